import type { HttpResult } from '@mfakit/core/http';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import { type MfaHttpResponse, writeResult } from './lib/http';

/**
 * The denial `MfaGuard` throws: the core's answer (status, headers such as `WWW-Authenticate`,
 * `Retry-After` and `Cache-Control`, and the RFC 9457 problem body) in `result`.
 * `MfaDeniedFilter`, which `MfaModule` registers globally, writes it out unchanged. As an
 * `HttpException` it carries the same status and body, for filters of the application's own.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9457 (problem details)
 *
 * @example
 * // in an application's own catch-all filter, to keep mfakit's answers intact:
 * if (exception instanceof MfaDenied) return writeResult(host.switchToHttp().getResponse(), exception.result);
 */
export class MfaDenied extends HttpException {
  /**
   * @param result - The core's answer, as `mfa.check` or `mfa.decide` gave it (`decision.response`); kept
   *   unchanged in `result`.
   */
  constructor(readonly result: HttpResult) {
    super(result.body as Record<string, unknown>, result.status);
  }
}

/**
 * Writes an `MfaDenied` as the contract's answer, not in Nest's error shape. Registered by
 * `MfaModule` as a global filter (`APP_FILTER`); it catches nothing else.
 *
 * @example
 * // registered for you by MfaModule; by hand, it would be:
 * app.useGlobalFilters(new MfaDeniedFilter());
 */
@Catch(MfaDenied)
export class MfaDeniedFilter implements ExceptionFilter<MfaDenied> {
  /**
   * Writes `exception.result` to the HTTP response with `writeResult`; nothing when the answer
   * has started already.
   *
   * @param exception - The denial `MfaGuard` threw.
   * @param host - Nest's arguments host of the request.
   */
  catch(exception: MfaDenied, host: ArgumentsHost): void {
    writeResult(host.switchToHttp().getResponse<MfaHttpResponse>(), exception.result);
  }
}
