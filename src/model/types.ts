/**
 * The model package contract shared by model/ (package, runtimes), the HTTP app and the CLI.
 * A package is a directory: artifacts + `keel-model.yaml` (ModelMeta). Loading it gives a
 * LoadedModel whose methods take the JSON `data` a client sends and return JSON-able results.
 */

/** A JSON Schema (draft 2020-12 subset) describing a method's input or output. */
export type JsonSchema = Record<string, unknown>;

export interface MethodSignature {
  /** e.g. 'predict', 'predict_proba' */
  name: string;
  input: JsonSchema;
  output: JsonSchema;
  description?: string;
  /**
   * onnx runtime: the graph output this method returns (e.g. 'label' for predict,
   * 'probabilities' for predict_proba). Absent: every output, keyed by name.
   */
  output_name?: string;
  /**
   * Rows are independent: the method's answer for a row does not depend on the other rows of the
   * call (BentoML's `batchable`). `keel serve` then merges requests that are already waiting into
   * one call, adding no wait (see model/app.ts). Set by keel's own exporters, or by hand.
   */
  batchable?: boolean;
}

export interface ArtifactInfo {
  /** path relative to the package directory */
  path: string;
  md5: string;
  size: number;
}

export interface Lineage {
  git?: { commit: string; dirty: boolean; branch?: string };
  /** the producing stage's dvc.lock entry */
  stage?: { name: string; file: string; lock: Record<string, unknown> };
  params?: Record<string, unknown>;
  metrics?: Record<string, unknown>;
  created: string;
}

export interface ModelMeta {
  /** package format version */
  keel_model: 1;
  name: string;
  /** 'onnx' | 'js' */
  runtime: string;
  /** the artifact the runtime loads (onnx: the .onnx file; js: the ES module); default: the first one */
  entry?: string;
  artifacts: ArtifactInfo[];
  methods: MethodSignature[];
  /** a valid input for the first method (used as the OpenAPI example) */
  sample?: unknown;
  /** optional ES module (relative path) exporting pre/post-processing hooks */
  processing?: string;
  requirements: Record<string, string>;
  lineage: Lineage;
  description?: string;
}

export interface LoadedModel {
  dir: string;
  meta: ModelMeta;
  /** method name → implementation; `data` is the request's `data` value (already validated) */
  methods: Record<string, (data: unknown) => Promise<unknown>>;
  close(): Promise<void>;
}
