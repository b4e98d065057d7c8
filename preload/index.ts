// The sandboxed preload bundle: desktop-only helpers exposed to the renderer through contextBridge
// (choose a folder, reveal a file, app version). It arrives with the desktop-shell issue; the renderer
// works without it (headless nodes are used from a plain browser).
export {};
