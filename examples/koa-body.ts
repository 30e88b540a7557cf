// Koa parses no bodies; a small reader of JSON and of forms keeps the example free of extra packages.
import type { Context } from 'koa';

const BODY_LIMIT = 10 * 1024;

/** The request's JSON or form body as an object; `undefined` for any other body, or one that does not parse. */
export async function readBody(ctx: Context): Promise<unknown> {
  const kind = ctx.is('application/json', 'urlencoded');
  if (typeof kind !== 'string') return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT) return ctx.throw(413, 'body too large');
    chunks.push(chunk);
  }
  // Decoded once, whole: a character split across two packets stays one character.
  const text = Buffer.concat(chunks).toString('utf8');
  if (kind === 'urlencoded') return Object.fromEntries(new URLSearchParams(text));
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
