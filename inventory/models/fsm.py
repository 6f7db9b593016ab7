class RefreshesProtectedStatus:
    """``refresh_from_db`` for a model with a protected ``FSMField`` named ``status``.

    The protected field refuses assignment once loaded; dropping the loaded value first is
    thread-safe (django-fsm's own mixin switches protection off on the shared field)."""

    def refresh_from_db(self, *args, **kwargs) -> None:
        fields = kwargs.get("fields")
        if fields is None or "status" in fields:
            self.__dict__.pop("status", None)
        super().refresh_from_db(*args, **kwargs)
