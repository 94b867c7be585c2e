/**
 * The classification of index builds and table maintenance (CREATE INDEX, REINDEX, CLUSTER,
 * VACUUM, ANALYZE, REFRESH MATERIALIZED VIEW): the scans and rewrites they do under which lock,
 * and which cannot run in a transaction.
 *
 * Pure: no fs, process or network.
 */
import { nodeOf } from '../../sql/ast.js';
import { optionOn, type Handlers } from './effects.js';
import { qualify, rangeVarName } from './names.js';

/** CREATE INDEX, REINDEX, CLUSTER, VACUUM / ANALYZE, REFRESH MATERIALIZED VIEW. */
export const indexHandlers: Handlers = {
  IndexStmt(body, fx, objects) {
    const table = rangeVarName(body.relation);
    const name = body.idxname ? qualify(table.schema, String(body.idxname)) : undefined;
    const unique = body.unique ? 'UNIQUE ' : '';
    if (body.concurrent) {
      fx.transactional = false;
      fx.lock('SHARE UPDATE EXCLUSIVE', table.qualified, { scans: true });
    } else {
      fx.lock('SHARE', table.qualified, { scans: true });
    }
    if (name) {
      objects.indexes.set(name.qualified, table.qualified);
      fx.create({ kind: 'index', schema: table.schema, table: table.name, name: name.name });
    }
    return `CREATE ${unique}INDEX${body.concurrent ? ' CONCURRENTLY' : ''}${name ? ` ${name.name}` : ''} ON ${table.qualified}`;
  },

  ReindexStmt(body, fx, objects) {
    const concurrently = optionOn(body.params, 'concurrently');
    const kind: string = body.kind ?? '';
    const target = body.relation ? rangeVarName(body.relation).qualified : String(body.name ?? '');
    const whole = kind === 'REINDEX_OBJECT_SCHEMA' || kind === 'REINDEX_OBJECT_DATABASE' || kind === 'REINDEX_OBJECT_SYSTEM';
    if (concurrently || whole) fx.transactional = false;
    const lockTarget = kind === 'REINDEX_OBJECT_INDEX' ? (objects.indexes.get(target) ?? target) : whole ? undefined : target;
    const newSchema = kind === 'REINDEX_OBJECT_SCHEMA' && objects.schemas.has(target);
    if (concurrently) fx.lock('SHARE UPDATE EXCLUSIVE', lockTarget, { scans: true });
    else if (!newSchema) {
      // SHARE on the table blocks writes; ACCESS EXCLUSIVE on the index blocks every read that plans
      // with it (the planner locks all indexes of the table), so reads block too. A schema or
      // database reindexes each of its tables that way in turn.
      fx.lock('ACCESS EXCLUSIVE', lockTarget, { scans: true });
    }
    const what = kind.replace(/^REINDEX_OBJECT_/, '');
    return `REINDEX ${what}${concurrently ? ' CONCURRENTLY' : ''} ${target}`.trim();
  },

  ClusterStmt(body, fx) {
    if (!body.relation) {
      // a bare CLUSTER re-clusters every previously clustered table of the database, each under ACCESS EXCLUSIVE
      fx.transactional = false;
      fx.lock('ACCESS EXCLUSIVE', undefined, { rewrites: true });
      return 'CLUSTER (every clustered table)';
    }
    const table = rangeVarName(body.relation).qualified;
    fx.lock('ACCESS EXCLUSIVE', table, { rewrites: true });
    return `CLUSTER ${table}`;
  },

  VacuumStmt(body, fx) {
    const rels = (body.rels ?? []).map((r) => rangeVarName(nodeOf(r, 'VacuumRelation')?.relation).qualified);
    if (!body.is_vacuumcmd) {
      for (const rel of rels) fx.lock('SHARE UPDATE EXCLUSIVE', rel, { scans: true });
      return `ANALYZE ${rels.join(', ')}`.trim();
    }
    fx.transactional = false;
    // option values are read: `VACUUM (FULL false)` is a plain VACUUM
    const full = optionOn(body.options, 'full');
    // no table named: every table of the database (undefined target = tables not named)
    for (const rel of rels.length ? rels : [undefined]) {
      if (full) fx.lock('ACCESS EXCLUSIVE', rel, { rewrites: true });
      else fx.lock('SHARE UPDATE EXCLUSIVE', rel, { scans: true });
    }
    return `VACUUM${full ? ' FULL' : ''} ${rels.join(', ')}`.trim();
  },

  RefreshMatViewStmt(body, fx) {
    const view = rangeVarName(body.relation).qualified;
    // CONCURRENTLY takes EXCLUSIVE, which leaves reads alone (a materialized view takes no writes)
    if (body.concurrent) fx.lock('EXCLUSIVE', view, { scans: true, blocks: 'nothing' });
    else fx.lock('ACCESS EXCLUSIVE', view, { scans: true });
    return `REFRESH MATERIALIZED VIEW${body.concurrent ? ' CONCURRENTLY' : ''} ${view}`;
  },
};
