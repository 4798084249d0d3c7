/** Types of scripts/layers.js, which stays plain JavaScript so that eslint.config.js can import it. */

/** A folder (ending in `/`) or one file of the project, and what lives there. */
export interface LayerPath {
  readonly path: string;
  readonly about: string;
}

export interface Layer {
  readonly name: string;
  readonly paths: readonly LayerPath[];
}

export declare const LAYERS: readonly Layer[];
export declare const APART: readonly (readonly [string, string])[];
export declare const ONE_WAY: readonly (readonly [string, string])[];
export declare const BACKEND_PACKAGES: readonly string[];
export declare const BACKEND_FREE_LAYERS: readonly string[];
export declare const OUTSIDE_SRC: readonly LayerPath[];
