import { ApolloClient, InMemoryCache } from '@apollo/client';
import { LoginDocument, MeDocument, createGatehouseLink, type TokenStorage } from '@gatehouse/client';

// One Apollo Client for the app. In a browser, pass storage: webTokenStorage(sessionStorage).
export function createApiClient(uri: string, storage?: TokenStorage, onSessionEnded = () => {}) {
  const { link } = createGatehouseLink({ uri, storage, onSessionEnded });
  return new ApolloClient({ link, cache: new InMemoryCache() });
}

// Sign in, then load the profile: `me` is typed from the schema ({ id, email, emailVerified, name, role, createdAt } | null).
export async function signInAndLoadProfile(client: ApolloClient, email: string, password: string) {
  await client.mutate({ mutation: LoginDocument, variables: { email, password } });
  const { data } = await client.query({ query: MeDocument, fetchPolicy: 'network-only' });
  return data?.me;
}
