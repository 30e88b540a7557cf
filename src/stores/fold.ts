/**
 * Seconds ahead of its clock at which a store cuts a subject whose live entries pass `maxPerSubject`:
 * its tokens without a login generation may come from an instance whose clock is that far ahead.
 */
export const FOLD_AHEAD = 300;
