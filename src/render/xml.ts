/**
 * xmlbuilder2, loaded on first use: importing it costs ~95 ms, which every review and check run
 * would pay although only the junit format needs it.
 */
import { createRequire } from 'node:module';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';

type XmlBuilderModule = typeof import('xmlbuilder2');
let loaded: XmlBuilderModule | undefined;

/** A new XML document (xmlbuilder2's `create`), the library required the first time it is needed. */
export function createXml(declaration: { version: '1.0'; encoding: string }): XMLBuilder {
  loaded ??= createRequire(import.meta.url)('xmlbuilder2') as XmlBuilderModule;
  return loaded.create(declaration);
}
