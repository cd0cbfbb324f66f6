// Screen changes move focus to the new screen's heading, so keyboard and screen-reader users land
// at its start (headings carry tabindex="-1" so they take focus without joining the Tab order).
export function focusOnMount(node: HTMLElement): void {
  node.focus({ preventScroll: false });
}
