/** A binary min-heap on `until`: the entry that expires first is always at the top. */
export class ExpiryHeap<T extends { readonly until: number }> {
  #items: T[] = [];

  get size(): number {
    return this.#items.length;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    const items = this.#items;
    let i = items.push(item) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((items[parent] as T).until <= item.until) break;
      items[i] = items[parent] as T;
      i = parent;
    }
    items[i] = item;
  }

  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) this.#siftDown(last, 0);
    return top;
  }

  /** Replaces the contents, in O(n). */
  rebuild(items: readonly T[]): void {
    this.#items = items.filter((item) => item.until !== Infinity);
    for (let i = (this.#items.length >> 1) - 1; i >= 0; i--) this.#siftDown(this.#items[i] as T, i);
  }

  #siftDown(item: T, from: number): void {
    const items = this.#items;
    const n = items.length;
    let i = from;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && (items[child + 1] as T).until < (items[child] as T).until) child++;
      if ((items[child] as T).until >= item.until) break;
      items[i] = items[child] as T;
      i = child;
    }
    items[i] = item;
  }
}
