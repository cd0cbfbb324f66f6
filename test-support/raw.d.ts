// Vite's `?raw` import: the file's text as a string (used for the shared protocol reference).
declare module '*.md?raw' {
  const text: string;
  export default text;
}
