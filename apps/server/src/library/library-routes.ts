import {
  DeleteResponse,
  PhotoDetail,
  PhotoId,
  PhotoListQuery,
  PhotoListResponse,
  PhotoSelection,
  RestoreResponse,
  TrashInfo,
  TrashResponse,
} from "@rapidphoto/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { currentUser, requireUser } from "../auth/auth-plugin.js";
import type { AuthService } from "../auth/auth-service.js";
import { ERROR_RESPONSES, SIGNED_IN } from "../http/openapi.js";
import type { LibraryQueries } from "./library-queries.js";
import type { TrashService } from "./trash-service.js";

const PhotoParams = z.object({ photoId: PhotoId });
const tags = ["photos"];

const DAY_MS = 24 * 60 * 60 * 1000;

/** The library's lists, one photo's detail and Trash's settings, under /queries. */
export const libraryQueryRoutes: FastifyPluginAsyncZod<{
  auth: AuthService;
  library: LibraryQueries;
  trashRetentionMs: number;
}> = async (app, opts) => {
  const { library } = opts;
  app.addHook("onRequest", requireUser(opts.auth));

  app.get(
    "/photos",
    {
      schema: {
        tags,
        summary: "The library, Recent or Trash, newest first, a page at a time; q= searches file names",
        security: SIGNED_IN,
        querystring: PhotoListQuery,
        response: { 200: PhotoListResponse, ...ERROR_RESPONSES },
      },
    },
    async (request) => library.listPhotos(currentUser(request).userId, request.query),
  );

  app.get(
    "/photos/:photoId",
    {
      schema: {
        tags,
        summary: "One photo with its thumbnails, download link and EXIF",
        security: SIGNED_IN,
        params: PhotoParams,
        response: { 200: PhotoDetail, ...ERROR_RESPONSES },
      },
    },
    async (request) => library.getPhoto(currentUser(request).userId, request.params.photoId),
  );

  app.get(
    "/trash",
    {
      schema: {
        tags,
        summary: "Trash's settings: how many days a photo stays in Trash before it is deleted forever",
        security: SIGNED_IN,
        response: { 200: TrashInfo, ...ERROR_RESPONSES },
      },
    },
    async () => ({ retentionDays: opts.trashRetentionMs / DAY_MS }),
  );
};

/** Trash commands, under /commands: a selection in the body, or one photo in the path. */
export const trashRoutes: FastifyPluginAsyncZod<{ auth: AuthService; trash: TrashService }> = async (app, opts) => {
  const { trash } = opts;
  app.addHook("onRequest", requireUser(opts.auth));

  const commands = {
    trash: { summary: "Move to Trash (finished or failed photos only)", response: TrashResponse, run: trash.trash },
    restore: { summary: "Bring back from Trash into the library", response: RestoreResponse, run: trash.restore },
    "delete-forever": {
      summary: "Delete photos in Trash for good: the original, every rendition, the record",
      response: DeleteResponse,
      run: trash.deleteForever,
    },
  } as const;

  for (const [name, command] of Object.entries(commands)) {
    app.post(
      `/photos/${name}`,
      {
        schema: {
          tags,
          summary: `${command.summary}: a selection, judged whole (404/409 change nothing)`,
          security: SIGNED_IN,
          body: PhotoSelection,
          response: { 200: command.response, ...ERROR_RESPONSES },
        },
      },
      async (request) => command.run(currentUser(request).userId, request.body.photoIds),
    );
    app.post(
      `/photos/:photoId/${name}`,
      {
        schema: {
          tags,
          summary: `${command.summary}: one photo`,
          security: SIGNED_IN,
          params: PhotoParams,
          response: { 200: command.response, ...ERROR_RESPONSES },
        },
      },
      async (request) => command.run(currentUser(request).userId, [request.params.photoId]),
    );
  }

  app.post(
    "/trash/empty",
    {
      schema: {
        tags,
        summary: "Delete everything in the caller's Trash for good",
        security: SIGNED_IN,
        response: { 200: DeleteResponse, ...ERROR_RESPONSES },
      },
    },
    async (request) => trash.emptyTrash(currentUser(request).userId),
  );
};
