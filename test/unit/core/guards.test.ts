import { describe, expect, it } from 'vitest';
import { guardDestructiveMigrations, guardPush, guardPushDataLoss, guardRestore, type RunFacts } from '../../../src/core/guards.js';

const run = (over: Partial<RunFacts> = {}): RunFacts => ({
  envName: 'production',
  protected: true,
  protectionReasons: ['config sets protected: true'],
  interactive: false,
  yes: false,
  ...over,
});
const destructive = [{ tag: '0004_drop', objects: ['DROP COLUMN public.users.email'] }];

describe('guards', () => {
  it('refuses push on a protected environment whatever the flags', () => {
    for (const facts of [run(), run({ interactive: true, yes: true })]) expect(guardPush(facts).action).toBe('refuse');
    expect(guardPush(run({ protected: false })).action).toBe('allow');
  });

  it('asks or needs --force for data loss in an unprotected push', () => {
    const dev = run({ protected: false, envName: 'development' });
    expect(guardPushDataLoss(dev, { dataLoss: true, force: false }).action).toBe('refuse');
    expect(guardPushDataLoss(dev, { dataLoss: true, force: true }).action).toBe('allow');
    expect(guardPushDataLoss({ ...dev, interactive: true }, { dataLoss: true, force: false }).action).toBe('confirm');
    expect(guardPushDataLoss(dev, { dataLoss: false, force: false }).action).toBe('allow');
  });

  it('needs --allow-destructive or a confirmation for destructive migrations on a protected environment', () => {
    const refused = guardDestructiveMigrations(run(), { destructive, allowDestructive: false, backup: true });
    expect(refused).toMatchObject({ action: 'refuse' });
    expect(refused.action === 'refuse' && refused.hint).toContain('--allow-destructive');
    expect(guardDestructiveMigrations(run(), { destructive, allowDestructive: true, backup: true }).action).toBe('allow');
    expect(guardDestructiveMigrations(run({ interactive: true }), { destructive, allowDestructive: false, backup: true }).action).toBe(
      'confirm',
    );
    expect(
      guardDestructiveMigrations(run({ interactive: true, yes: true }), { destructive, allowDestructive: false, backup: true }).action,
    ).toBe('allow');
    expect(guardDestructiveMigrations(run(), { destructive: [], allowDestructive: false, backup: true }).action).toBe('allow');
    expect(guardDestructiveMigrations(run({ protected: false }), { destructive, allowDestructive: false, backup: false }).action).toBe(
      'allow',
    );
  });

  it('refuses --no-backup on a protected environment, even with --allow-destructive', () => {
    expect(guardDestructiveMigrations(run(), { destructive, allowDestructive: true, backup: false }).action).toBe('refuse');
  });

  it('guards restore into a protected environment', () => {
    expect(guardRestore(run(), { allowRestore: false, what: 'backup x' }).action).toBe('refuse');
    expect(guardRestore(run(), { allowRestore: true, what: 'backup x' }).action).toBe('allow');
    expect(guardRestore(run({ interactive: true }), { allowRestore: false, what: 'backup x' }).action).toBe('confirm');
    expect(guardRestore(run({ interactive: true, yes: true }), { allowRestore: false, what: 'backup x' }).action).toBe('allow');
    expect(guardRestore(run({ protected: false }), { allowRestore: false, what: 'backup x' }).action).toBe('allow');
  });
});
