import type { FastifyError, FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { CONTRACT_CODE, type ContractCode } from '../errors.js';
import { BODY_LIMIT_BYTES } from './http-server.js';

/**
 * Errors raised before Apollo (bad JSON, body too large, wrong content type, unknown
 * path), by status: they answer in the shape GraphQL clients read, with a code and no
 * internal names.
 */
export const HTTP_ERRORS: Readonly<Record<number, { readonly code: ContractCode; readonly message: string }>> = {
  400: { code: CONTRACT_CODE.BAD_REQUEST, message: 'The request could not be read (malformed JSON or headers).' },
  404: { code: CONTRACT_CODE.NOT_FOUND, message: 'There is nothing here. GraphQL is at /graphql.' },
  413: { code: CONTRACT_CODE.PAYLOAD_TOO_LARGE, message: `The request body is larger than ${BODY_LIMIT_BYTES / 1024} KiB.` },
  415: { code: CONTRACT_CODE.UNSUPPORTED_MEDIA_TYPE, message: 'Send the request as application/json.' },
};

/** Answers unknown paths and Fastify's own errors with HTTP_ERRORS; anything else is a logged 500. */
export function registerErrorReplies(fastify: FastifyInstance, config: Pick<Config, 'isProduction'>): void {
  const body = (code: ContractCode, message: string) => ({ errors: [{ message, extensions: { code } }] });
  fastify.setNotFoundHandler(async (_request, response) =>
    response.code(404).send(body(HTTP_ERRORS[404]!.code, HTTP_ERRORS[404]!.message)),
  );
  fastify.setErrorHandler(async (error: FastifyError, request, response) => {
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const known = HTTP_ERRORS[status] ?? HTTP_ERRORS[400]!;
      return response.code(status).send(body(known.code, known.message));
    }
    request.log.error({ reqId: request.id, err: error }, 'unexpected error');
    const message = config.isProduction ? 'Internal server error' : error.message;
    return response.code(500).send(body(CONTRACT_CODE.INTERNAL_SERVER_ERROR, message));
  });
}
