/** A post as the rest of the server sees it. */
export interface PostRecord {
  readonly id: string;
  readonly authorId: string;
  readonly title: string;
  readonly body: string;
  readonly published: boolean;
  readonly publishedAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}
