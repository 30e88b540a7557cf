// HTML built by a tagged template that escapes every value it is given, so nothing the browser sent
// (an email, a User-Agent) can become markup. Only what this tag built itself goes in as it is.

const FRAGMENT = Symbol('html');

/** Markup made by `html`: the only value `html` inserts without escaping. */
export interface Html {
  readonly [FRAGMENT]: string;
}

type Value = Html | string | number | undefined | false | readonly Value[];

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text made safe for HTML content and for quoted attribute values. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

function render(value: Value): string {
  if (value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  if (typeof value === 'object') return (value as Html)[FRAGMENT];
  return escapeHtml(String(value));
}

/** `html\`<p>${email}</p>\``: strings and numbers are escaped; lists and nested `html` are joined. */
export function html(strings: TemplateStringsArray, ...values: readonly Value[]): Html {
  let text = strings[0] ?? '';
  values.forEach((value, i) => {
    text += render(value) + (strings[i + 1] ?? '');
  });
  return { [FRAGMENT]: text };
}

/** The finished document's text. */
export const toText = (fragment: Html): string => fragment[FRAGMENT];
