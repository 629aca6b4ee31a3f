import { CircleAlert } from "lucide-react";
import type { InputHTMLAttributes, Ref } from "react";

interface TextFieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "className"> {
  id: string;
  label: string;
  /** Shown under the field and announced with it; replaced by the error while there is one. */
  hint?: string;
  error?: string;
  ref?: Ref<HTMLInputElement>;
}

/** A labelled input whose hint or error is tied to it with aria-describedby. */
export function TextField({ id, label, hint, error, ref, ...input }: TextFieldProps) {
  const messageId = `${id}-message`;
  const message = error ?? hint;
  return (
    <div className="flex flex-col gap-1.5">
      <label htmlFor={id} className="font-medium text-fg text-sm">
        {label}
      </label>
      <input
        {...input}
        id={id}
        ref={ref}
        aria-invalid={error ? true : undefined}
        aria-describedby={message ? messageId : undefined}
        className={
          "h-11 rounded-lg border bg-raised px-3 text-fg text-sm placeholder:text-subtle focus-visible:outline-none focus-visible:ring-2 " +
          // An invalid field stays red while focused, so the error never disappears under the focus ring.
          (error
            ? "border-danger focus-visible:ring-danger/40"
            : "border-line focus-visible:border-accent focus-visible:ring-accent/40")
        }
      />
      {message && (
        <p id={messageId} className={`flex items-center gap-1.5 text-xs ${error ? "text-danger" : "text-subtle"}`}>
          {error && <CircleAlert aria-hidden="true" className="size-3.5 shrink-0" />}
          {message}
        </p>
      )}
    </div>
  );
}
