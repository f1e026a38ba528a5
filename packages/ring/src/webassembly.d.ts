// The part of the WebAssembly JS API the ring kernels use. The repo's TypeScript lib is ES2023
// without DOM, and neither declares the WebAssembly global that Node provides; declaring it here
// (instead of casting globalThis) lets the compiler check every use. Internal: no exported
// signature of @sfw/ring mentions these types, so declarations built from it need none of this file
// (the tsconfig include globs, src/**/*.ts, bring it into every compilation of this source).
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Memory {
    private constructor();
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
  }
  class Instance {
    constructor(module: Module, imports?: object);
    readonly exports: Record<string, unknown>;
  }
}
