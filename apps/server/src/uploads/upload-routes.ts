import {
  CancelJobResponse,
  CancelPhotoResponse,
  CreateJobRequest,
  CreateJobResponse,
  FinalizeManyRequest,
  FinalizeManyResponse,
  FinalizeRequest,
  FinalizeResponse,
  HoldRequest,
  HoldResponse,
  JobId,
  PhotoId,
  ProgressRequest,
  ProgressResponse,
  RetryResponse,
  SignPartsRequest,
  SignPartsResponse,
  UploadItem,
} from "@rapidphoto/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { currentUser, requireUser } from "../auth/auth-plugin.js";
import type { AuthService } from "../auth/auth-service.js";
import { ERROR_RESPONSES, SIGNED_IN } from "../http/openapi.js";
import type { UploadService } from "./upload-service.js";

const PhotoParams = z.object({ photoId: PhotoId });
const JobParams = z.object({ jobId: JobId });
const tags = ["uploads"];

/** Upload commands (DESIGN §4), under /commands. */
export const uploadRoutes: FastifyPluginAsyncZod<{ auth: AuthService; uploads: UploadService }> = async (app, opts) => {
  const { uploads } = opts;
  // Before validation: a caller who is not signed in learns nothing about what a valid request is.
  app.addHook("onRequest", requireUser(opts.auth));

  app.post(
    "/upload-jobs",
    {
      schema: {
        tags,
        summary: "Start an upload job: one photo per file, each with where to send its bytes",
        security: SIGNED_IN,
        body: CreateJobRequest,
        response: { 201: CreateJobResponse, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => reply.code(201).send(await uploads.createJob(currentUser(request).userId, request.body)),
  );

  app.post(
    "/upload-jobs/:jobId/cancel",
    {
      schema: {
        tags,
        summary: "Cancel every photo of the job that has not finished",
        security: SIGNED_IN,
        params: JobParams,
        response: { 200: CancelJobResponse, ...ERROR_RESPONSES },
      },
    },
    async (request) => uploads.cancelJob(currentUser(request).userId, request.params.jobId),
  );

  app.post(
    "/upload/progress",
    {
      schema: {
        tags,
        summary: "Report bytes sent for photos still uploading (pushed to live clients, coalesced)",
        security: SIGNED_IN,
        body: ProgressRequest,
        response: { 202: ProgressResponse, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) =>
      reply.code(202).send(await uploads.reportProgress(currentUser(request).userId, request.body)),
  );

  app.post(
    "/upload/hold",
    {
      schema: {
        tags,
        summary: "Renew the sender lease of photos this client holds but is not sending yet (heartbeat)",
        security: SIGNED_IN,
        body: HoldRequest,
        response: { 200: HoldResponse, ...ERROR_RESPONSES },
      },
    },
    async (request) => uploads.holdPhotos(currentUser(request).userId, request.body),
  );

  app.post(
    "/upload/:photoId/parts",
    {
      schema: {
        tags,
        summary: "Sign URLs for parts of a multipart upload, just before they are sent",
        security: SIGNED_IN,
        params: PhotoParams,
        body: SignPartsRequest,
        response: { 200: SignPartsResponse, ...ERROR_RESPONSES },
      },
    },
    async (request) => uploads.signParts(currentUser(request).userId, request.params.photoId, request.body.partNumbers),
  );

  app.post(
    "/upload/:photoId/sign",
    {
      schema: {
        tags,
        summary: "A fresh upload item for a photo still waiting for its bytes",
        security: SIGNED_IN,
        params: PhotoParams,
        response: { 200: UploadItem, ...ERROR_RESPONSES },
      },
    },
    async (request) => uploads.sign(currentUser(request).userId, request.params.photoId),
  );

  app.post(
    "/upload/:photoId/finalize",
    {
      schema: {
        tags,
        summary: "The bytes are in: check them and hand the photo to processing",
        security: SIGNED_IN,
        params: PhotoParams,
        body: FinalizeRequest,
        response: { 202: FinalizeResponse, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) =>
      reply.code(202).send(await uploads.finalize(currentUser(request).userId, request.params.photoId, request.body)),
  );

  app.post(
    "/upload/finalize",
    {
      schema: {
        tags,
        summary:
          "Finalize several single-PUT photos at once: each answered as its own finalize would be (a status, or its refusal)",
        security: SIGNED_IN,
        body: FinalizeManyRequest,
        response: { 200: FinalizeManyResponse, ...ERROR_RESPONSES },
      },
    },
    async (request) => uploads.finalizeMany(currentUser(request).userId, request.body.photoIds),
  );

  app.post(
    "/upload/:photoId/cancel",
    {
      schema: {
        tags,
        summary: "Cancel one photo",
        security: SIGNED_IN,
        params: PhotoParams,
        response: { 200: CancelPhotoResponse, ...ERROR_RESPONSES },
      },
    },
    async (request) => uploads.cancelPhoto(currentUser(request).userId, request.params.photoId),
  );

  app.post(
    "/upload/:photoId/retry",
    {
      schema: {
        tags,
        summary: "Queue a failed or cancelled photo again, with a fresh upload item",
        security: SIGNED_IN,
        params: PhotoParams,
        response: { 200: RetryResponse, ...ERROR_RESPONSES },
      },
    },
    async (request) => uploads.retryPhoto(currentUser(request).userId, request.params.photoId),
  );
};
