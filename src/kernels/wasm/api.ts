/**
 * Typed access to the WebAssembly JS API. The project compiles with lib ES2023 and @types/node, neither of
 * which declares `WebAssembly`; rather than add a global declaration that other parts might duplicate, this
 * module types the few calls the kernels use (WebAssembly JS API, W3C) and exports them.
 */

export interface WasmModule {
  readonly __brand?: 'WebAssembly.Module';
}

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

export interface ModuleExportDescriptor {
  name: string;
  kind: 'function' | 'table' | 'memory' | 'global' | 'tag';
}

export interface ModuleImportDescriptor extends ModuleExportDescriptor {
  module: string;
}

export type WasmImports = Record<string, Record<string, unknown>>;

interface WebAssemblyApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  validate(bytes: Uint8Array): boolean;
  Module: {
    new (bytes: Uint8Array): WasmModule;
    exports(module: WasmModule): ModuleExportDescriptor[];
    imports(module: WasmModule): ModuleImportDescriptor[];
  };
  Instance: new (module: WasmModule, imports?: WasmImports) => WasmInstance;
}

export const Wasm: WebAssemblyApi = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
