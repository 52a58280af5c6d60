/**
 * Native ONNX export of the example's model (no Python, no skl2onnx): the random forest becomes
 * an ONNX graph (forest.ts), the text vectorizer stays a TypeScript pre-processing step
 * described next to it (vectorizer.ts). See README.md in this folder.
 */
import { encodeModel } from './onnx.js';
import { forestModelSpec, parseForest, type ForestJson, type ForestOnnxOptions } from './forest.js';
import { describeTextPreprocessing, parseVectorizer, type TextPreprocessing, type TfidfVectorizerJson } from './vectorizer.js';

export { encodeModel, attr, DataType, DEFAULT_IR_VERSION } from './onnx.js';
export type { Attribute, DataTypeCode, Dim, GraphSpec, ModelSpec, NodeSpec, OpsetImport, TensorSpec, ValueInfoSpec } from './onnx.js';
export {
  exportForestOnnx,
  float32AtMost,
  forestModelSpec,
  FOREST_FORMAT,
  ML_OPSET,
  ONNX_OPSET,
  parseForest,
  treeEnsembleAttributes,
} from './forest.js';
export type { ForestJson, ForestOnnxOptions, ForestTree } from './forest.js';
export { denseInput, describeTextPreprocessing, parseVectorizer, TEXT_TFIDF_PREPROCESSING, TOKEN_PATTERN } from './vectorizer.js';
export type { SparseRow, TextPreprocessing, TfidfVectorizerJson } from './vectorizer.js';

export interface TextForestExport {
  /** The .onnx bytes: float [N, n_features] → label int64 [N], probabilities float [N, k]. */
  onnx: Uint8Array;
  /** The text → features step the package's pre-processing module runs (also in the .onnx metadata). */
  preprocessing: TextPreprocessing;
  forest: ForestJson;
  vectorizer: TfidfVectorizerJson;
}

/**
 * forest.json + vectorizer.json (parsed JSON) → the ONNX model and its pre-processing
 * description, both validated and checked against each other. Problems throw FileFormatError
 * naming the file and field.
 */
export function exportTextForest(
  forestJson: unknown,
  vectorizerJson: unknown,
  opts: ForestOnnxOptions & { forestFile?: string; vectorizerFile?: string; vectorizerArtifact?: string } = {},
): TextForestExport {
  const forest = parseForest(forestJson, opts.forestFile);
  const vectorizer = parseVectorizer(vectorizerJson, opts.vectorizerFile);
  const preprocessing = describeTextPreprocessing(vectorizer, forest, {
    artifact: opts.vectorizerArtifact,
    inputName: opts.inputName,
    vectorizerFile: opts.vectorizerFile,
    forestFile: opts.forestFile,
  });
  const forestWithNames: ForestJson = { ...forest, feature_names: forest.feature_names ?? vectorizer.feature_names };
  const onnx = encodeModel(
    forestModelSpec(forestWithNames, {
      ...opts,
      metadata: { 'keel.preprocessing': JSON.stringify(preprocessing), ...(opts.metadata ?? {}) },
    }),
  );
  return { onnx, preprocessing, forest, vectorizer };
}
