/** The library feature: its pages' content (My Files, Recent, Trash, search results) and the viewer. */
export { LibraryPage } from "./components/LibraryPage";
