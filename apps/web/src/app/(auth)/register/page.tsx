import type { Metadata } from "next";
import { AuthForm } from "@/components/auth/AuthForm";
import { AuthHeading } from "@/components/auth/AuthHeading";

export const metadata: Metadata = { title: "Create account" };

export default function RegisterPage() {
  return (
    <>
      <AuthHeading title="Create your account" subtitle="Upload hundreds of photos at once, straight to storage." />
      <AuthForm mode="register" />
    </>
  );
}
