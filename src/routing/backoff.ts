// How long to wait before retrying the same target.
//
// Without a Retry-After: exponential backoff with full jitter, random() × min(cap, base × 2^attempt)
// (the AWS Architecture Blog's "Exponential Backoff and Jitter"): spreading retries over the whole
// interval keeps many clients that failed together from retrying together.
// With a valid Retry-After (RFC 9110 §10.2.3): what the upstream asked for, capped at capMs.

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  /** A number in [0, 1). */
  random: () => number;
  now: () => number;
}

/**
 * Delay in ms before retry number `attempt` (0 = the first retry). A Retry-After header, when
 * valid, replaces the backoff; an invalid one is ignored.
 */
export function retryDelayMs(attempt: number, retryAfterHeader: string | undefined, options: BackoffOptions): number {
  const { baseMs, capMs, random, now } = options;
  const requested = parseRetryAfterMs(retryAfterHeader, now());
  if (requested !== undefined) return Math.min(requested, capMs);
  const retries = Number.isFinite(attempt) && attempt > 0 ? Math.floor(attempt) : 0;
  // 2^attempt overflows to Infinity for huge attempts; min() then yields the cap, as intended.
  return random() * Math.min(capMs, baseMs * 2 ** retries);
}

/**
 * A Retry-After value in ms from `now`, or undefined when absent or invalid. Accepts
 * delta-seconds (1*DIGIT) and the three HTTP-date forms recipients must accept (RFC 9110
 * §5.6.7): IMF-fixdate, the obsolete RFC 850 date and asctime. A date in the past means 0.
 *
 * Date.parse is not used: it accepts almost anything ("1.5" is a date in 2001) and reads asctime
 * dates, which HTTP defines as UTC, in local time.
 */
export function parseRetryAfterMs(header: string | undefined, now: number): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = parseHttpDate(value, now);
  return date === undefined ? undefined : Math.max(0, date - now);
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
// Case-insensitive: RFC 9110 encourages recipients to be robust in parsing timestamps.
/** Sun, 06 Nov 1994 08:49:37 GMT */
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`, 'i');
/** Sunday, 06-Nov-94 08:49:37 GMT */
const RFC850_DATE = new RegExp(`^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`, 'i');
/** Sun Nov  6 08:49:37 1994 */
const ASCTIME_DATE = new RegExp(`^${DAY} ${MONTH} (\\d{2}| \\d) ${TIME} (\\d{4})$`, 'i');

/** Milliseconds since the epoch of an HTTP-date, or undefined when it is not one. */
function parseHttpDate(value: string, now: number): number | undefined {
  let match = IMF_FIXDATE.exec(value);
  if (match !== null) {
    const [, day, month, year, hour, minute, second] = match;
    return utc(Number(year), month, Number(day), hour, minute, second);
  }
  match = RFC850_DATE.exec(value);
  if (match !== null) {
    const [, day, month, shortYear, hour, minute, second] = match;
    return utc(fullYearOf(Number(shortYear), now), month, Number(day), hour, minute, second);
  }
  match = ASCTIME_DATE.exec(value);
  if (match !== null) {
    const [, month, day, hour, minute, second, year] = match;
    return utc(Number(year), month, Number(day), hour, minute, second);
  }
  return undefined;
}

/**
 * RFC 9110 §5.6.7: a two-digit year that would be more than 50 years in the future is the most
 * recent past year with those last two digits.
 */
function fullYearOf(shortYear: number, now: number): number {
  const currentYear = new Date(now).getUTCFullYear();
  let year = currentYear - (currentYear % 100) + shortYear;
  if (year > currentYear + 50) year -= 100;
  return year;
}

function utc(
  year: number,
  monthName: string | undefined,
  day: number,
  hour: string | undefined,
  minute: string | undefined,
  second: string | undefined,
): number | undefined {
  const month = MONTHS.indexOf((monthName ?? '').toLowerCase());
  const [h, m, s] = [Number(hour), Number(minute), Number(second)];
  // Second 60 is a leap second (RFC 5322 allows it); it counts as the next minute's second 0.
  if (month < 0 || h > 23 || m > 59 || s > 60) return undefined;
  const midnight = new Date(Date.UTC(year, month, day));
  // Date.UTC rolls over impossible days (31 Apr → 1 May); such a date is invalid, not rolled.
  if (midnight.getUTCMonth() !== month || midnight.getUTCDate() !== day) return undefined;
  return midnight.getTime() + ((h * 60 + m) * 60 + s) * 1000;
}
