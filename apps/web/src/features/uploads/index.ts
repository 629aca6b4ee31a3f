/**
 * The upload feature: picking and dropping photos, the upload engine of the signed-in session, the
 * live connection that keeps it and the panel in step with the server, and the floating panel. The
 * rest of the app uses only what is exported here.
 */
export { FileDropOverlay } from "./components/FileDropOverlay";
export { PhotoPickerProvider } from "./components/PhotoPicker";
export { UploadPhotosButton } from "./components/UploadPhotosButton";
export { UploadProgressPanel } from "./components/UploadProgressPanel";
export { UploadProvider } from "./components/UploadProvider";
export { type PhotoPicker, usePhotoPicker } from "./hooks/use-photo-picker";
