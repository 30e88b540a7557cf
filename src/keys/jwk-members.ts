/**
 * A JSON Web Key as a key input: the members of RFC 7517 §4 and RFC 7518 §6, all optional here since the
 * key import checks them. Our own declaration, not `node:crypto`'s `JsonWebKey`, which @types/node 25 and
 * later no longer export: a declaration naming it breaks consumers on current types (and is `any` to those
 * who skip the lib check). What `KeyObject.export({ format: 'jwk' })` returns is assignable to it.
 */
export type Jwk = {
  /** Key type (RFC 7517 §4.1): `'RSA'`, `'EC'`, `'OKP'` or `'oct'`. */
  readonly kty?: string;
  readonly use?: string;
  readonly key_ops?: readonly string[];
  readonly alg?: string;
  readonly kid?: string;
  readonly x5u?: string;
  readonly x5c?: readonly string[];
  readonly x5t?: string;
  readonly 'x5t#S256'?: string;
  /** RSA (RFC 7518 §6.3): modulus and exponent; the private members after them. */
  readonly n?: string;
  readonly e?: string;
  readonly d?: string;
  readonly p?: string;
  readonly q?: string;
  readonly dp?: string;
  readonly dq?: string;
  readonly qi?: string;
  /** Elliptic curves (RFC 7518 §6.2, RFC 8037): the curve and the coordinates (`d` is the private key). */
  readonly crv?: string;
  readonly x?: string;
  readonly y?: string;
  /** A symmetric key (RFC 7518 §6.4). */
  readonly k?: string;
};
