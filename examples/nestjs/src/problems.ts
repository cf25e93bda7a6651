import { type HttpResult, problemResponse, requestErrorProblem } from '@mfakit/core/http';
import { BODY_LIMIT, internalError, problem, SECURITY_HEADERS } from '@mfakit/example-shared';
import { MfaDenied, writeResult } from '@mfakit/nestjs';
import { type ArgumentsHost, type CanActivate, Catch, type ExceptionFilter, type ExecutionContext, HttpException, Injectable, NotFoundException } from '@nestjs/common';
import express, { type Request, type RequestHandler, type Response } from 'express';

/**
 * A finished answer thrown from a guard (a missing token, a body that is not JSON, a malformed
 * transfer): `ProblemFilter` writes `result` out unchanged, as `MfaDeniedFilter` does for mfakit's.
 */
export class DemoAnswer extends HttpException {
  constructor(readonly result: HttpResult) {
    super(result.body as Record<string, unknown>, result.status);
  }
}

/**
 * The application's only exception filter (registered with `app.useGlobalFilters`), for the
 * routes, the 404 handler and the Express-level errors alike: mfakit's denials and the demo's own
 * answers as they are; an unknown route a 404 problem (never Nest's `{statusCode, message}`); a
 * client's mistake (malformed JSON, a body too large, an unknown charset) its 4xx problem; anything
 * else logged (name and message, no request data) and a 500 problem that reveals nothing.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(private readonly logger: { error(message: string): void }) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    const where = `${req.method} ${req.path.slice(0, 100)}`;
    if (res.headersSent) {
      // What fails after an answer has started (a client hanging up mid-file) can only end the connection.
      const code = (exception as { code?: unknown })?.code;
      if (code !== 'ERR_STREAM_PREMATURE_CLOSE' && code !== 'ECONNRESET') this.logger.error(`${where} failed after the answer: ${describeError(exception)}`);
      req.socket.destroy();
      return;
    }
    if (exception instanceof MfaDenied || exception instanceof DemoAnswer) {
      writeResult(res, exception.result);
      return;
    }
    if (exception instanceof NotFoundException) {
      writeResult(res, problemResponse({ code: 'not_found', detail: `Nothing here: ${where}` }));
      return;
    }
    const clientError = requestErrorProblem(exception);
    if (clientError) {
      writeResult(res, problemResponse(clientError));
      return;
    }
    this.logger.error(`${where} failed: ${describeError(exception)}`);
    writeResult(res, internalError());
  }
}

const describeError = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));

/** The first middleware of the Express instance: the security headers on every answer, whoever writes it. */
export const securityHeaders: RequestHandler = function securityHeaders(_req, res, next) {
  res.set(SECURITY_HEADERS);
  next();
};

/**
 * Keeps the exact bytes of a JSON body as `req.rawBody`, where @mfakit/nestjs reads them for a
 * step-up grant bound to the body (`POST /api/payees`): what Nest's `rawBody: true` does for the
 * body parser it registers, which the demo turns off (`bodyParser: false`) to read bodies after
 * the primary authentication.
 */
function keepRawBody(req: Request & { rawBody?: Buffer }, _res: unknown, bytes: Buffer): void {
  req.rawBody = bytes;
}

const parseJson = express.json({ limit: BODY_LIMIT, verify: keepRawBody });

/** Reads a JSON body into `req.body` (no other media type), its bytes into `req.rawBody`; its errors are thrown, for ProblemFilter. */
function readJson(req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => parseJson(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
}

/**
 * Reads the JSON body, as the mfakit router of Express does: a guard rather than a middleware, so
 * that it runs after the primary authentication (guards run in their `@UseGuards()` order, and
 * Nest's middleware before every guard). Another media type is left unread: no body.
 */
@Injectable()
export class JsonBody implements CanActivate {
  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    await readJson(http.getRequest<Request>(), http.getResponse<Response>());
    return true;
  }
}

/** The demo's own routes take JSON only: another media type is a 415 problem, as on Express and Koa. */
@Injectable()
export class JsonOnlyBody implements CanActivate {
  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length']) > 0;
    if (hasBody && !req.is('application/json')) throw new DemoAnswer(problem('unsupported_media_type', 'Send the body as JSON (Content-Type: application/json).'));
    await readJson(req, http.getResponse<Response>());
    return true;
  }
}
