/**
 * `npm test` runs a real PgBouncer (the pooler and fault tests). On a fresh machine where it is
 * missing, this installs Debian's package when it can (root, or passwordless sudo, with apt-get),
 * so the README's quickstart works as it stands; otherwise it says how, and the tests that need it
 * fail with the same message (they never skip). `DBCTL_TEST_PGBOUNCER` names another binary.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const found = () =>
  (process.env.DBCTL_TEST_PGBOUNCER && existsSync(process.env.DBCTL_TEST_PGBOUNCER)) ||
  existsSync('/usr/sbin/pgbouncer') ||
  spawnSync('sh', ['-c', 'command -v pgbouncer'], { stdio: 'ignore' }).status === 0;

if (!found()) {
  const root = process.getuid?.() === 0;
  const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  const sudo = !root && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
  if (apt && (root || sudo)) {
    process.stderr.write("pgbouncer is missing (the pooler tests run a real one): installing Debian's package...\n");
    const run = (args) =>
      execFileSync(root ? args[0] : 'sudo', root ? args.slice(1) : args, {
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
    try {
      run(['apt-get', 'update', '-qq']);
      run(['apt-get', 'install', '-y', '-qq', 'pgbouncer']);
    } catch {
      process.stderr.write(
        'could not install pgbouncer; the pooler tests will fail: install it (apt-get install pgbouncer) or set DBCTL_TEST_PGBOUNCER\n',
      );
    }
  } else {
    process.stderr.write(
      'pgbouncer is not installed; the pooler tests will fail: install it (e.g. apt-get install pgbouncer, brew install pgbouncer) or set DBCTL_TEST_PGBOUNCER\n',
    );
  }
}
