/**
 * Classification of connection failures: a lost session, a TLS mismatch (either way), and the
 * exit-4 messages built from them, never "authentication failed" for a TLS problem.
 */
import { describe, expect, it } from 'vitest';
import { connectionError, isConnectionLoss, lossReason, tlsProblem } from '../../../src/io/db.js';

const err = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('connection loss', () => {
  it.each([
    ['57P01', true],
    ['57P02', true],
    ['57P03', true],
    ['08006', true],
    ['08003', true],
    ['CONNECTION_CLOSED', true],
    ['CONNECTION_DESTROYED', true],
    ['ECONNRESET', true],
    ['EPIPE', true],
    ['42P01', false],
    ['55P03', false],
    ['23505', false],
    ['LOCK_NOT_HELD', false],
  ])('%s is a lost connection: %s', (code, lost) => {
    expect(isConnectionLoss(err(code))).toBe(lost);
  });

  it('names a terminated session and a closed socket', () => {
    expect(lossReason(err('57P01'))).toContain('terminated');
    expect(lossReason(err('CONNECTION_CLOSED'))).toContain('connection was closed');
  });
});

describe('TLS mismatches', () => {
  it('PgBouncer and PostgreSQL refusing an unencrypted connection: TLS required', () => {
    expect(tlsProblem(err('08P01', 'SSL required'))).toBe('required');
    expect(tlsProblem(err('28000', 'no pg_hba.conf entry for host "10.0.0.1", user "app", database "app", no encryption'))).toBe(
      'required',
    );
    expect(tlsProblem(err('28000', 'no pg_hba.conf entry for host "10.0.0.1", user "app", database "app", SSL off'))).toBe('required');
  });

  it('a server without TLS asked for it: TLS refused', () => {
    expect(tlsProblem(err('ECONNRESET', 'Client network socket disconnected before secure TLS connection was established'))).toBe(
      'refused',
    );
  });

  it('a wrong password is not a TLS problem', () => {
    expect(tlsProblem(err('28P01', 'password authentication failed for user "app"'))).toBeUndefined();
    expect(tlsProblem(err('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'))).toBeUndefined();
  });

  it('the exit-4 message says what to do, and never "authentication failed"', () => {
    const required = connectionError(err('08P01', 'SSL required'), 'production', 'postgres://app:secret@db.example.com/app');
    expect(required.exitCode).toBe(4);
    expect(required.message).toContain('the server requires TLS: add sslmode=require to the url');
    expect(required.message).not.toContain('authentication');
    expect(required.message).not.toContain('secret');
    const refused = connectionError(
      err('ECONNRESET', 'Client network socket disconnected before secure TLS connection was established'),
      'production',
      'postgres://app:secret@db.example.com/app?sslmode=require',
    );
    expect(refused.message).toContain('the server does not accept TLS');
    expect(refused.hint).toContain('sslmode');
  });
});
