import { secondsOrDefault } from '../validate.js';

/**
 * Seconds of skew forgiven the app's own tokens unless `clockTolerance` says otherwise: its instances'
 * clocks agree within a fraction of a second (NTP), but a token's iat is a whole second, so an instance a
 * moment behind the one that signed would refuse a token just signed. Kept small: every store entry lasts
 * twice this past its token, and a log out everywhere refuses the login-less tokens of that long after.
 */
const OWN_CLOCK_TOLERANCE = 1;

/**
 * Seconds of skew forgiven another issuer's tokens unless its options say otherwise: its clock is not the
 * app's, and an IdP a second ahead writes an iat and nbf a second in the future. Spring Security's default
 * (JwtTimestampValidator); Microsoft.IdentityModel's 5 minutes keeps an expired token for as long.
 */
export const OTHER_ISSUER_CLOCK_TOLERANCE = 60;

/** The `clockTolerance` option of the app's own key: the app's own default when it signs, another issuer's when it only verifies. */
export const ownClockTolerance = (value: unknown, signs: boolean): number =>
  secondsOrDefault(value, 'clockTolerance', signs ? OWN_CLOCK_TOLERANCE : OTHER_ISSUER_CLOCK_TOLERANCE);
