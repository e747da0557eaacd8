/** Fuzz target paths: methods and ids no route expects. */
import fc from 'fast-check';
import { attributePath, sometimes, USER_URN } from '../arbitraries.js';
import { CaseLog, json } from '../case-log.js';
import { defineTarget, type FuzzTarget, type TargetScope } from '../target.js';

export async function pathsTarget({ context }: TargetScope): Promise<FuzzTarget> {
  const { reader } = context;
  const newLog = () => new CaseLog(context.harness);
  return defineTarget({
    name: 'paths',
    description:
      'any method on junk paths and ids: unknown, over-long, multi-byte and percent-encoded ids, trailing slashes, discovery ids, wrong-case segments',
    arbitrary: fc.tuple(
      fc.constantFrom(
        'GET',
        'GET',
        'PATCH',
        'PUT',
        'DELETE',
        'POST',
        'HEAD',
        'OPTIONS',
        'TRACE',
        'get',
      ),
      fc.constantFrom(
        '/Users/',
        '/Groups/',
        '/Schemas/',
        '/ResourceTypes/',
        '/users/',
        '/Bulk/',
        '/',
        '/Me/',
        '/ServiceProviderConfig/',
      ),
      fc.oneof(
        fc.uuid(),
        fc
          .string({ maxLength: 20 })
          .map((value) => encodeURIComponent(value.replace(/[\ud800-\udfff]/g, ''))),
        fc.constantFrom(
          '',
          '.search',
          '%',
          '%E0%A4%A',
          '%2F',
          '..',
          'a/b',
          'x'.repeat(600),
          encodeURIComponent('中'.repeat(400)),
          encodeURIComponent('\u0958'.repeat(300)),
          'urn:ietf:params:scim:schemas:core:2.0:User',
          'user',
        ),
      ),
      sometimes(attributePath('User'), 4),
    ),
    async run(input) {
      const [method, base, id, attributes] = input;
      const log = newLog();
      await log.send({
        method,
        path: `${base}${id}`,
        ...(attributes === null ? {} : { query: `attributes=${encodeURIComponent(attributes)}` }),
        ...(method === 'GET' || method === 'DELETE' || method === 'HEAD'
          ? {}
          : { body: json({ schemas: [USER_URN], userName: 'path.fuzz@fuzz.test' }) }),
      });
      if (method === 'POST' || method === 'PUT') {
        // A POST on an unexpected path must never create anything.
        const guard = await reader.guard('User', 'path.fuzz@fuzz.test');
        if (guard !== undefined) log.problem('unexpected', `${method} ${base}${id} created a user`);
      }
      return log.outcome();
    },
    reset: async () => {},
  });
}
