import { ApolloClient, InMemoryCache } from '@apollo/client';
import { LoginDocument, ReauthenticateDocument, VerifyMfaDocument, createGatehouseLink, type StepUpChallenge } from '@gatehouse/client';

/** What the app's dialog collects: a TOTP or recovery code, or (MFA off) the password; null if cancelled. */
export type Proof = { code: string } | { password: string };

// Refused operations open the app's dialog, then go through: the caller just awaits its result.
export function createStepUpClient(uri: string, ask: (challenge: StepUpChallenge) => Promise<Proof | null>) {
  const { link } = createGatehouseLink({
    uri,
    onStepUp: async (challenge) => {
      const proof = await ask(challenge);
      if (proof === null) return false; // the caller gets the FORBIDDEN answer
      // Through the same client: the kit stores the new tokens. A wrong code rejects, and so passes the refusal on.
      if (challenge.reason === 'MFA_REQUIRED' && 'code' in proof) {
        await client.mutate({ mutation: VerifyMfaDocument, variables: { code: proof.code } });
      } else {
        await client.mutate({ mutation: ReauthenticateDocument, variables: proof });
      }
      return true;
    },
  });
  const client = new ApolloClient({ link, cache: new InMemoryCache() });
  return client;
}

// Sign in: with MFA on, login answers mfaRequired and the session owes the code.
export async function signIn(client: ApolloClient, email: string, password: string, askCode: () => Promise<string>) {
  const { data } = await client.mutate({ mutation: LoginDocument, variables: { email, password } });
  if (data?.login.mfaRequired) {
    await client.mutate({ mutation: VerifyMfaDocument, variables: { code: await askCode() } });
  }
  return data?.login.user;
}
