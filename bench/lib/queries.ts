// Realistic queries over the Linux + Python docs: words, phrases, prefixes, boolean, path.
export const QUERIES: readonly string[] = [
  "memory barrier", "spinlock", "virtual environment", "list comprehension", "asyncio event loop",
  '"page cache"', '"reference counting"', '"context manager"', '"device tree"', '"system call"',
  "interrupt*", "thread*", "decorat*", "schedul*", "unicode*",
  "mutex OR semaphore", "socket NOT windows", "python AND (pickle OR marshal)", "kernel module parameters", "dict NOT json",
  "garbage collector", "file descriptor", "regular expression", "exception traceback", "dma mapping",
  "path:docs/linux/ scheduler", "path:docs/python/ iterator", "generator expression", "cgroup memory limit", "usb gadget",
  "sqlite3 cursor", "struct pack", "rcu read lock", "namespace package", "ftrace events",
  "typing Protocol", "ext4 journal", "subprocess Popen", "network driver napi", "f-string format",
];
