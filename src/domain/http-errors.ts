// The one place that decides whether a failed provider call may be retried.
import { SautiError } from './errors.ts';

/**
 * Maps a provider HTTP outcome to a SautiError: no response (network), 5xx and 429 are
 * retryable; any other 4xx is permanent (retrying a rejected request only repeats it).
 */
export function providerHttpError(provider: string, status: number | undefined, detail: string): SautiError {
  const retryable = status === undefined || status >= 500 || status === 429;
  const code = status === undefined ? 'network' : `http_${status}`;
  return new SautiError(`${provider}.${code}`, `${provider}: ${detail}`, { retryable });
}
