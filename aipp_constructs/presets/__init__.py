"""Layer 4, presets: ready-made components for common images.

The data tier (:class:`~aipp_constructs.presets.pgvector_db.PgvectorDb`,
:class:`~aipp_constructs.presets.redis_cache.RedisCache`,
:class:`~aipp_constructs.presets.rabbit_mq.RabbitMq`) and application presets over
``Workload`` (:class:`~aipp_constructs.presets.spring_service.SpringService`,
:class:`~aipp_constructs.presets.web_frontend.WebFrontend`,
:class:`~aipp_constructs.presets.gpu_worker.GpuWorker`). Imports the layers below.
"""
