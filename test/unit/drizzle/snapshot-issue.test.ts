import { describe, expect, it } from 'vitest';
import { firstSnapshotIssue } from '../../../src/drizzle/kit/snapshot-issue.js';

describe('firstSnapshotIssue', () => {
  it('names where and what, in JavaScript notation, with how many more issues there are', () => {
    const error = {
      issues: [
        {
          path: ['tables', 'public.users', 'columns', 'organization_id'],
          message: "Unrecognized key(s) in object: 'references'",
        },
        { path: ['tables', 'public.users', 'indexes', 'users_org_idx', 'columns', 0], message: 'Expected object, received string' },
      ],
    };
    expect(firstSnapshotIssue(error)).toBe(
      `tables["public.users"].columns.organization_id: Unrecognized key(s) in object: 'references' (and 1 more)`,
    );
    expect(firstSnapshotIssue({ issues: [error.issues[1]!] })).toBe(
      'tables["public.users"].indexes.users_org_idx.columns[0]: Expected object, received string',
    );
  });

  it('gives the message alone at the top, and null without issues', () => {
    expect(firstSnapshotIssue({ issues: [{ path: [], message: 'Required' }] })).toBe('Required');
    expect(firstSnapshotIssue({ issues: [] })).toBeNull();
    expect(firstSnapshotIssue(undefined)).toBeNull();
  });
});
