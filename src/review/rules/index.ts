/**
 * The registry: every review rule, explicitly listed. Order is the order rules run and are
 * documented in (hazards that lose data or block first, then robustness, style, engine findings).
 */
import type { Rule } from '../types.js';
import addingExclusionConstraint from './adding-exclusion-constraint.js';
import attachPartitionWithoutCheck from './attach-partition-without-check.js';
import banAlterDomainWithAddConstraint from './ban-alter-domain-with-add-constraint.js';
import banCreateDomainWithConstraint from './ban-create-domain-with-constraint.js';
import identifierTooLong from './identifier-too-long.js';
import lockHeldDuringSlowStatement from './lock-held-during-slow-statement.js';
import opaqueStatement from './opaque-statement.js';
import preferBigintOverSmallint from './prefer-bigint-over-smallint.js';
import preferJsonb from './prefer-jsonb.js';
import renamingEnumValue from './renaming-enum-value.js';
import renamingSchema from './renaming-schema.js';
import requireConcurrentPartitionDetach from './require-concurrent-partition-detach.js';
import requireEnumValueOrdering from './require-enum-value-ordering.js';
import reusedConstraintIndex from './reused-constraint-index.js';
import unreviewedDestruction from './unreviewed-destruction.js';
import unreviewedLock from './unreviewed-lock.js';
import addingFieldWithDefault from './adding-field-with-default.js';
import addingForeignKeyConstraint from './adding-foreign-key-constraint.js';
import addingNotNullableField from './adding-not-nullable-field.js';
import addingRequiredField from './adding-required-field.js';
import addingSerialPrimaryKeyField from './adding-serial-primary-key-field.js';
import banCharField from './ban-char-field.js';
import banConcurrentIndexCreationInTransaction from './ban-concurrent-index-creation-in-transaction.js';
import banDropColumn from './ban-drop-column.js';
import banDropDatabase from './ban-drop-database.js';
import banDropNotNull from './ban-drop-not-null.js';
import banDropSchema from './ban-drop-schema.js';
import banDropTable from './ban-drop-table.js';
import banTruncate from './ban-truncate.js';
import banTruncateCascade from './ban-truncate-cascade.js';
import blockingTableRewrite from './blocking-table-rewrite.js';
import changingColumnType from './changing-column-type.js';
import constraintMissingNotValid from './constraint-missing-not-valid.js';
import disallowedUniqueConstraint from './disallowed-unique-constraint.js';
import enumValueAddedAndUsed from './enum-value-added-and-used.js';
import mutationWithoutWhere from './mutation-without-where.js';
import preferBigintOverInt from './prefer-bigint-over-int.js';
import preferIdentity from './prefer-identity.js';
import preferRobustStmts from './prefer-robust-stmts.js';
import preferTextField from './prefer-text-field.js';
import preferTimestamptz from './prefer-timestamptz.js';
import renameAsDropAndAdd from './rename-as-drop-and-add.js';
import renamingColumn from './renaming-column.js';
import renamingTable from './renaming-table.js';
import requireConcurrentIndexCreation from './require-concurrent-index-creation.js';
import requireConcurrentIndexDeletion from './require-concurrent-index-deletion.js';
import requireLockTimeout from './require-lock-timeout.js';
import requireStatementTimeout from './require-statement-timeout.js';
import setNotNullWithoutCheck from './set-not-null-without-check.js';
import syntaxError from './syntax-error.js';
import transactionNesting from './transaction-nesting.js';
import unknownRule from './unknown-rule.js';
import unusedIgnore from './unused-ignore.js';

/** Every rule, in run and documentation order. */
export const RULES: readonly Rule[] = [
  // Data loss
  banDropColumn,
  banDropTable,
  banDropSchema,
  banDropDatabase,
  banTruncate,
  banTruncateCascade,
  renameAsDropAndAdd,
  mutationWithoutWhere,
  opaqueStatement,
  unreviewedDestruction,
  // Locks that block reads or writes on existing tables
  addingRequiredField,
  addingNotNullableField,
  setNotNullWithoutCheck,
  addingFieldWithDefault,
  addingSerialPrimaryKeyField,
  addingForeignKeyConstraint,
  constraintMissingNotValid,
  disallowedUniqueConstraint,
  changingColumnType,
  requireConcurrentIndexCreation,
  addingExclusionConstraint,
  attachPartitionWithoutCheck,
  banAlterDomainWithAddConstraint,
  blockingTableRewrite,
  lockHeldDuringSlowStatement,
  unreviewedLock,
  // Migrations that fail or are not atomic
  banConcurrentIndexCreationInTransaction,
  transactionNesting,
  enumValueAddedAndUsed,
  reusedConstraintIndex,
  syntaxError,
  // Compatibility with the running application
  renamingColumn,
  renamingTable,
  renamingEnumValue,
  renamingSchema,
  banDropNotNull,
  // Robustness
  requireConcurrentIndexDeletion,
  requireConcurrentPartitionDetach,
  requireLockTimeout,
  requireStatementTimeout,
  preferRobustStmts,
  identifierTooLong,
  // Style
  preferBigintOverInt,
  preferBigintOverSmallint,
  preferJsonb,
  preferIdentity,
  preferTextField,
  preferTimestamptz,
  banCharField,
  requireEnumValueOrdering,
  banCreateDomainWithConstraint,
  // Directives
  unusedIgnore,
  unknownRule,
];

/** The rule with `id`, if registered. */
export function ruleById(id: string): Rule | undefined {
  return RULES.find((rule) => rule.id === id);
}
