/**
 * The typed pipeline model every pipeline module shares: what `dvc.yaml` (after templating,
 * foreach and matrix) and `.dvc` files say. Produced by load.ts, consumed by graph / plan / run /
 * lockfile / params / metrics / plots. Paths: `abs` are absolute; `path` is as written in the file
 * (relative to the stage's wdir), which is what dvc.lock records.
 */

import type { Output } from './dvcfile.js';

export interface StageDep {
  /** as written in dvc.yaml, relative to wdir (may be a URL-less local path only) */
  path: string;
  abs: string;
}

/** `params:` entry resolved to one file. */
export interface ParamDep {
  /** file as written, relative to wdir (default `params.yaml`) */
  file: string;
  abs: string;
  /** dotted keys as listed, or null when the whole file is tracked (`{file: null}` / `- file.yaml:`) */
  keys: string[] | null;
}

export type OutKind = 'outs' | 'metrics' | 'plots';

/** Plot properties that may sit on a plots output or a top-level plot definition. */
export interface PlotProps {
  template?: string;
  x?: string | Record<string, string>;
  y?: string | string[] | Record<string, string | string[]>;
  x_label?: string;
  y_label?: string;
  title?: string;
  header?: boolean;
}

export interface StageOut {
  path: string;
  abs: string;
  kind: OutKind;
  cache: boolean;
  persist: boolean;
  push: boolean;
  remote?: string;
  desc?: string;
  /** plot props for `plots:` outs */
  plot?: PlotProps;
}

export interface Stage {
  /** 'train', or generated 'train@0', 'train@us-cpu' */
  name: string;
  /** absolute path of the dvc.yaml (or .dvc file) declaring the stage */
  file: string;
  /** 'pipeline' = a dvc.yaml stage; 'dvcfile' = a `.dvc` file from `add` (a data source) */
  kind: 'pipeline' | 'dvcfile';
  /** 'dvcfile' stages: the file's outputs with their recorded hashes, as parsed when loaded */
  dvcOutputs?: Output[];
  /** absolute working directory */
  wdir: string;
  /** `wdir` as written (default '.') */
  wdirRaw: string;
  /** cmd after interpolation: a string (may hold several lines) or a list */
  cmd?: string | string[];
  deps: StageDep[];
  params: ParamDep[];
  outs: StageOut[];
  frozen: boolean;
  alwaysChanged: boolean;
  desc?: string;
  meta?: unknown;
  /** params that were interpolated with ${…} (shown by params diff, not written to dvc.lock unless listed) */
  trackedVars: Record<string, Record<string, unknown>>;
}

/** Top-level sections of one dvc.yaml. */
export interface ProjectFile {
  file: string;
  dir: string;
  stages: Stage[];
  params: string[];
  metrics: string[];
  /** plot id → props (null props = defaults); ids may be file paths or free names with y: {file: field} */
  plots: { id: string; props: PlotProps | null }[];
}
