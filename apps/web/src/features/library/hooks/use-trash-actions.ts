import { useMutation, useQueryClient } from "@tanstack/react-query";
import { toast } from "sonner";
import { photoKeys } from "@/lib/api/photos";
import { plural } from "@/lib/format";
import { useSession } from "@/lib/session/session-store";
import { trashCommands } from "../api/library-api";

/** Trash, restore, delete forever and empty Trash; each refreshes every list once it is done. */
export function useTrashActions() {
  const token = useSession((state) => state.session?.token ?? "");
  const queryClient = useQueryClient();
  const settle = () => void queryClient.invalidateQueries({ queryKey: photoKeys.all });
  const fail = (error: Error) => toast.error(error.message);

  const trash = useMutation({
    mutationFn: (ids: readonly string[]) => trashCommands.trash(token, ids),
    onSuccess: (r) => toast.success(`${plural(r.photoIds.length, "photo")} moved to Trash`),
    onError: fail,
    onSettled: settle,
  });
  const restore = useMutation({
    mutationFn: (ids: readonly string[]) => trashCommands.restore(token, ids),
    onSuccess: (r) => toast.success(`${plural(r.photoIds.length, "photo")} restored`),
    onError: fail,
    onSettled: settle,
  });
  const deleteForever = useMutation({
    mutationFn: (ids: readonly string[]) => trashCommands.deleteForever(token, ids),
    onSuccess: (r) => toast.success(`${plural(r.deleted, "photo")} deleted forever`),
    onError: fail,
    onSettled: settle,
  });
  const emptyTrash = useMutation({
    mutationFn: () => trashCommands.emptyTrash(token),
    onSuccess: (r) => toast.success(`Trash emptied (${plural(r.deleted, "photo")})`),
    onError: fail,
    onSettled: settle,
  });
  return { trash, restore, deleteForever, emptyTrash };
}
