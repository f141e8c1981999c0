import { allow } from 'graphql-shield';
import { defineModule } from '../../graphql/module.js';
import { DateTime } from './date-time-scalar.js';

/** What every module builds on: the DateTime scalar and the pages of `@connection` lists. */
export const coreModule = defineModule({
  name: 'core',
  schemaFiles: ['scalars.graphql', 'pagination.graphql'],
  rules: { PageInfo: allow },
  records: { PageInfo: ['hasNextPage', 'endCursor'] },
  setup: () => ({ resolvers: { DateTime } }),
});
