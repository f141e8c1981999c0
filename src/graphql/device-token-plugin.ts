import type { ApolloServerPlugin } from '@apollo/server';
import { DEVICE_HEADER_NAME, deviceCookie } from '../auth/device-token.js';
import type { GraphQLContext } from './context.js';

/**
 * Sends the device token a sign-in issued (ctx.device.issued) two ways: as a cookie that
 * browsers keep and send back by themselves (HttpOnly, so scripts cannot read it; Secure
 * and SameSite=Strict), and in a response header for GraphQL clients that keep no
 * cookies, which send it back in the same header.
 */
export function deviceTokenPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          const token = contextValue.device?.issued;
          if (token == null) return;
          response.http.headers.set('set-cookie', deviceCookie(token));
          response.http.headers.set(DEVICE_HEADER_NAME, token);
        },
      };
    },
  };
}
