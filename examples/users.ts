// Users kept in memory, passwords hashed with scrypt: the app's own challenge, before jwt-gate's part.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export interface User {
  readonly id: string;
  readonly email: string;
  readonly role: 'admin' | 'member';
}

interface Stored extends User {
  readonly salt: Buffer;
  readonly hash: Buffer;
}

const KEY_LENGTH = 64;
const hashPassword = (password: string, salt: Buffer): Promise<Buffer> =>
  new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_LENGTH, (err, key) => (err ? reject(err) : resolve(key))),
  );

export class UserStore {
  readonly #byEmail = new Map<string, Stored>();
  // Emails being signed up right now: a second sign-up of one email during the hash is refused.
  readonly #pending = new Set<string>();
  // Unknown emails still cost one scrypt, so response time does not reveal who has an account.
  readonly #decoy = { salt: randomBytes(16), hash: randomBytes(KEY_LENGTH) };

  /** Adds a user; `undefined` when the email is taken. */
  async signUp(email: string, password: string, role: User['role'] = 'member'): Promise<User | undefined> {
    const key = email.toLowerCase();
    if (this.#byEmail.has(key) || this.#pending.has(key)) return undefined;
    this.#pending.add(key);
    try {
      const salt = randomBytes(16);
      const user: Stored = {
        id: randomBytes(8).toString('hex'),
        email: key,
        role,
        salt,
        hash: await hashPassword(password, salt),
      };
      this.#byEmail.set(key, user);
      return { id: user.id, email: user.email, role: user.role };
    } finally {
      this.#pending.delete(key);
    }
  }

  /** Every user, in the order they signed up. */
  list(): User[] {
    return [...this.#byEmail.values()].map(({ id, email, role }) => ({ id, email, role }));
  }

  /** The user whose password matches, or `undefined`. */
  async logIn(email: string, password: string): Promise<User | undefined> {
    const stored = this.#byEmail.get(email.toLowerCase());
    const { salt, hash } = stored ?? this.#decoy;
    const matches = timingSafeEqual(await hashPassword(password, salt), hash);
    return stored && matches ? { id: stored.id, email: stored.email, role: stored.role } : undefined;
  }
}

/** Email and password from a JSON or form body, or the reason they are unusable. */
export function readCredentials(body: unknown): { email: string; password: string } | string {
  const { email, password } = (typeof body === 'object' && body !== null ? body : {}) as Record<
    string,
    unknown
  >;
  if (typeof email !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 254)
    return 'a valid email is required';
  if (typeof password !== 'string' || password.length < 8 || password.length > 1024)
    return 'a password of 8 to 1024 characters is required';
  return { email, password };
}
