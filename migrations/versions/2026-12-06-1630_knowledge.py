"""Agent knowledge: the product catalogue and the stored category classifiers.

- `product`: an entry per product or service, its texts per language (`texts`, `synonyms`), its web page and
  desk, and a stored generated `search_vector`: Dutch texts stemmed as Dutch, French as French, English and
  German word by word, all after `genk3600_unaccent` (migration 0008); names and synonyms weigh most.
- `product_version`: every version of an entry as written (append-only by use); `product.version` is the
  current one. `product_category` links entries to categories (their deciders decide on the product).
- `classifier_model`: versioned category classifiers trained on resolved tickets. A new model moves the
  reference version on and notifies the replicas (migration 0018's trigger), so each serves the newest.

Revision ID: 0023_knowledge
Revises: 0022_assignment
Create Date: 2026-12-06 17:10:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0023_knowledge"
down_revision: str | None = "0022_assignment"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXTS_SHAPE = "jsonb_typeof(texts) = 'object' AND (texts - ARRAY['nl', 'fr', 'en', 'de']) = '{}'::jsonb"
SYNONYMS_SHAPE = "jsonb_typeof(synonyms) = 'object' AND (synonyms - ARRAY['nl', 'fr', 'en', 'de']) = '{}'::jsonb"
CODE_PATTERN = r"^[a-z0-9][a-z0-9-]{1,99}$"


def _part(config: str, language: str, title_weight: str, body_weight: str) -> str:
    # jsonb's text form of a synonym list (`["eID", "kids-ID"]`) parses into its words; brackets and quotes drop.
    title = f"coalesce(texts->'{language}'->>'name', '') || ' ' || coalesce(synonyms->'{language}', '[]'::jsonb)::text"
    body = (
        f"coalesce(texts->'{language}'->>'description', '') || ' ' || "
        f"coalesce(texts->'{language}'->>'what_to_bring', '')"
    )
    return (
        f"setweight(to_tsvector('{config}'::regconfig, genk3600_unaccent({title})), '{title_weight}') || "
        f"setweight(to_tsvector('{config}'::regconfig, genk3600_unaccent({body})), '{body_weight}')"
    )


def upgrade() -> None:
    op.execute(
        "CREATE FUNCTION genk3600_product_vector(texts jsonb, synonyms jsonb) RETURNS tsvector "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN "
        + " || ".join(
            (
                _part("dutch", "nl", "A", "B"),
                _part("french", "fr", "A", "B"),
                _part("simple", "en", "C", "D"),
                _part("simple", "de", "C", "D"),
            )
        )
    )
    op.create_table(
        "product",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("texts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "synonyms", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column("web_page", sa.Text(), nullable=True),
        sa.Column("desk_unit_id", sa.BigInteger(), nullable=True),
        sa.Column("ipdc_id", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            sa.Computed("genk3600_product_vector(texts, synonyms)", persisted=True),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(TEXTS_SHAPE, name=op.f("ck_product_texts_shape")),
        sa.CheckConstraint(SYNONYMS_SHAPE, name=op.f("ck_product_synonyms_shape")),
        sa.CheckConstraint(f"code ~ '{CODE_PATTERN}'", name=op.f("ck_product_code_format")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_product_version_positive")),
        sa.ForeignKeyConstraint(
            ["desk_unit_id"], ["unit.id"], name=op.f("fk_product_desk_unit_id_unit"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product")),
        sa.UniqueConstraint("code", name=op.f("uq_product_code")),
        sa.UniqueConstraint("ipdc_id", name=op.f("uq_product_ipdc_id")),
    )
    op.create_index("ix_product_search_vector", "product", ["search_vector"], unique=False, postgresql_using="gin")
    op.create_index("ix_product_desk_unit_id", "product", ["desk_unit_id"], unique=False)
    op.create_table(
        "product_category",
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("category_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"], ["category.id"], name=op.f("fk_product_category_category_id_category"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_product_category_product_id_product"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("product_id", "category_id", name=op.f("pk_product_category")),
    )
    op.create_index("ix_product_category_category_id", "product_category", ["category_id"], unique=False)
    op.create_table(
        "product_version",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("actor_name", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("version >= 1", name=op.f("ck_product_version_version_positive")),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_product_version_product_id_product"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_version")),
        sa.UniqueConstraint("product_id", "version", name=op.f("uq_product_version_product_id_version")),
    )
    op.create_table(
        "classifier_model",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("format", sa.Text(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("classes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("ticket_count", sa.Integer(), nullable=False),
        sa.Column(
            "details", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column("actor_name", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("version >= 1", name=op.f("ck_classifier_model_version_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classifier_model")),
        sa.UniqueConstraint("version", name=op.f("uq_classifier_model_version")),
    )
    op.execute(
        "CREATE TRIGGER classifier_model_reference_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
        "ON classifier_model FOR EACH STATEMENT EXECUTE FUNCTION reference_changed()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER classifier_model_reference_changed ON classifier_model")
    op.drop_table("classifier_model")
    op.drop_table("product_version")
    op.drop_index("ix_product_category_category_id", table_name="product_category")
    op.drop_table("product_category")
    op.drop_index("ix_product_desk_unit_id", table_name="product")
    op.drop_index("ix_product_search_vector", table_name="product", postgresql_using="gin")
    op.drop_table("product")
    op.execute("DROP FUNCTION genk3600_product_vector(jsonb, jsonb)")
