// The adapter kit's values newer than the main entry's deprecated aliases: on `jwt-gate/adapter-kit` alone.
// One list for the source entries' test and the packed package's.
export const KIT_ONLY_VALUES = [
  'answerOf',
  'calledByExpress',
  'calledByFastify',
  'calledByKoa',
  'checkCookieTarget',
  'clearingCookiesOnce',
  'endRequestLogin',
  'frameworkOf',
  'refreshAnswer',
  'refusedByKoa',
  'requestLogins',
  'requestedSid',
  'signingIn',
  'wrongCall',
  'wrongFramework',
] as const;
