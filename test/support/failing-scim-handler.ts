/**
 * Test fixture route handler behind the real SCIM handler chain that fails the way a bug does: a
 * plain Error (not a ScimError) whose message holds something no client may see.
 * `test/integration/logging.test.ts` checks the 500 it becomes and its log line.
 */
import { scimHandler } from '../../shared/http/handler.js';

export const handler = scimHandler('failingFixture', async () => {
  throw new Error('connection string Password=Intern4l-Db-S3cret-9c2e');
});
