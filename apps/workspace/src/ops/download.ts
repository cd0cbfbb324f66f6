// Hands a key file to the browser as a download: Blob + object URL + a click, then zeroes the
// bytes and revokes the URL, so the key material lives no longer than the hand-over.

/** The part of @osprio/host's KeyFile a download needs. */
export interface DownloadableFile {
  fileName: string;
  mediaType: string;
  bytes: Uint8Array;
  wipe(): void;
}

export interface DownloadEnv {
  createObjectURL(blob: Blob): string;
  revokeObjectURL(url: string): void;
  /** Clicks a temporary link with the download attribute. */
  click(url: string, fileName: string): void;
  /** Defers the revoke until the browser has started reading the blob. */
  later(fn: () => void): void;
}

export function browserDownloadEnv(doc: Document = document): DownloadEnv {
  return {
    createObjectURL: (b) => URL.createObjectURL(b),
    revokeObjectURL: (u) => URL.revokeObjectURL(u),
    click(url, fileName) {
      const a = doc.createElement('a');
      a.href = url;
      a.download = fileName;
      a.rel = 'noopener';
      a.style.display = 'none';
      doc.body.append(a);
      try {
        a.click();
      } finally {
        a.remove();
      }
    },
    later: (fn) => setTimeout(fn, 1000),
  };
}

/** Saves the file; the file's bytes are wiped before this returns, whatever happens. */
export function saveKeyFile(file: DownloadableFile, env: DownloadEnv = browserDownloadEnv()): void {
  let url: string | null = null;
  try {
    // The Blob takes its own copy; the caller's bytes are zeroed right after.
    const blob = new Blob([file.bytes as BlobPart], { type: file.mediaType });
    url = env.createObjectURL(blob);
    env.click(url, file.fileName);
  } finally {
    file.wipe();
    if (url !== null) {
      const u = url;
      env.later(() => env.revokeObjectURL(u));
    }
  }
}
