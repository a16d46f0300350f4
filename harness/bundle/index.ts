/** The evidence bundle's public API, for the CLI (run, verify, report, prune) and the mutant runner. */
export { type FinalizeOptions, type FinalizeResult, finalizeBundle } from './finalize.ts';
export {
  bundleFiles,
  CHAIN_FILE,
  MANIFEST_FILE,
  manifestHashOf,
  SIGNATURE_FILE,
  type SigningKey,
  sealBundle,
  signingKeyFromEnv,
  type VerifyOptions,
  type VerifyResult,
  verifyBundle,
  verifyChain,
} from './integrity.ts';
export { compressLogs, DEFAULT_TAIL_BYTES } from './logs.ts';
export { lastKillMatrix, mutantProofOf } from './mutant-proof.ts';
export { PDF_FILE, renderPdf } from './pdf.ts';
export { DEFAULT_KEEP, pruneReports } from './prune.ts';
export { fingerprintProviderKeys, redactBundle } from './redact.ts';
export { BUNDLE_FORMATS, type BundleFormat, RENDERED_FILES, readEvidence, renderBundle } from './render.ts';
export { harnessInfo, targetVersion, toolVersions } from './run-info.ts';
