"""Settings that follow from other settings, filled once every override (``-s``) is in."""

from __future__ import annotations

from scrapy.settings import Settings

from archiver.crawl.jobs import job_dir


class DerivedSettings:
    """Fill ``{contact}`` in ``USER_AGENT`` and point ``JOBDIR`` at the job named ``JOB_NAME``."""

    def update_settings(self, settings: Settings) -> None:
        """Called by Scrapy's add-on manager before any component reads its settings."""
        agent = str(settings.get("USER_AGENT") or "")
        if "{contact}" in agent:
            contact = str(settings.get("ARCHIVER_CONTACT") or "").strip()
            filled = agent.replace("{contact}", contact) if contact else agent.split(" (")[0]
            settings.set("USER_AGENT", filled, priority=settings.getpriority("USER_AGENT") or 0)
        if settings.get("JOB_NAME") and not settings.get("JOBDIR"):
            settings.set("JOBDIR", str(job_dir(settings)), priority="addon")
