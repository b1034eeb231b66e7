// The one error type of the core: a code for operators, whether a retry may help, and the
// message key residents see in their language.
import type { MessageKey } from '../i18n/index.ts';

/** An expected failure with a stable code. Anything else thrown is a bug. */
export class SautiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly options: { retryable?: boolean; messageKey?: MessageKey; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'SautiError';
  }
  get retryable(): boolean {
    return this.options.retryable ?? false;
  }
  get messageKey(): MessageKey {
    return this.options.messageKey ?? 'internalError';
  }
}
