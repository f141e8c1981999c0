import type { GraphQLTarget } from './test-app.js';

export const CREATE_POST = /* GraphQL */ `
  mutation CreatePost($title: String!, $body: String!) { createPost(title: $title, body: $body) { id } }
`;

export const PUBLISH_POST = /* GraphQL */ `
  mutation PublishPost($id: ID!) { publishPost(id: $id) { id } }
`;

export const REVOKE_SESSION = /* GraphQL */ `
  mutation RevokeSession($id: ID!) { revokeSession(id: $id) }
`;

export const SET_USER_ROLE = /* GraphQL */ `
  mutation SetUserRole($userId: ID!, $role: Role!) { setUserRole(userId: $userId, role: $role) { id role } }
`;

export interface CreatePostOptions {
  /** @default 't' */
  title?: string;
  /** @default 'b' */
  body?: string;
  /** Publish it after creating it. @default false (a draft) */
  publish?: boolean;
}

/** Creates a post as the token's user and returns its id; throws when either step answers an error. */
export async function createPost(app: GraphQLTarget, token: string, { title = 't', body = 'b', publish = false }: CreatePostOptions = {}): Promise<string> {
  const created = await app.graphql(CREATE_POST, { title, body }, { token });
  const id = created.body.data?.createPost?.id as string | undefined;
  if (id === undefined || created.body.errors !== undefined) throw new Error(`createPost failed: ${JSON.stringify(created.body)}`);
  if (publish) {
    const published = await app.graphql(PUBLISH_POST, { id }, { token });
    if (published.body.data?.publishPost == null || published.body.errors !== undefined) throw new Error(`publishPost failed: ${JSON.stringify(published.body)}`);
  }
  return id;
}
