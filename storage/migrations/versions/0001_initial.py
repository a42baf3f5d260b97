"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-28 04:59:01.487552
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('agreement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('pair_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('cadence_days', sa.Integer(), nullable=False),
    sa.Column('meeting_minutes', sa.Integer(), nullable=False),
    sa.Column('confidentiality', sa.String(), nullable=False),
    sa.Column('ethics', sa.String(), nullable=False),
    sa.Column('mentor_responsibilities', sa.String(), nullable=False),
    sa.Column('adept_responsibilities', sa.String(), nullable=False),
    sa.Column('no_fault_exit', sa.Boolean(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('proposed_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('mentor_accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('adept_accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement'))
    )
    op.create_index(op.f('ix_agreement_pair_id'), 'agreement', ['pair_id'], unique=False)
    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(), nullable=False),
    sa.Column('subject', sa.String(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    op.create_index(op.f('ix_audit_entry_actor_id'), 'audit_entry', ['actor_id'], unique=False)
    op.create_index(op.f('ix_audit_entry_at'), 'audit_entry', ['at'], unique=False)
    op.create_table('check_in',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('pair_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('met', sa.Boolean(), nullable=False),
    sa.Column('raised', sa.String(), nullable=False),
    sa.Column('will_try', sa.String(), nullable=False),
    sa.Column('usefulness', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_in'))
    )
    op.create_index(op.f('ix_check_in_author_id'), 'check_in', ['author_id'], unique=False)
    op.create_index(op.f('ix_check_in_meeting_id'), 'check_in', ['meeting_id'], unique=False)
    op.create_index(op.f('ix_check_in_pair_id'), 'check_in', ['pair_id'], unique=False)
    op.create_table('conversation_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('awaiting', sa.String(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_state'))
    )
    op.create_index(op.f('ix_conversation_state_person_id'), 'conversation_state', ['person_id'], unique=False)
    op.create_table('enrolment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('mentor', 'adept', name='role', native_enum=False, length=32), nullable=False),
    sa.Column('wants_to_learn', sa.String(), nullable=False),
    sa.Column('can_offer', sa.String(), nullable=False),
    sa.Column('department', sa.String(), nullable=False),
    sa.Column('manager', sa.String(), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolment'))
    )
    op.create_index(op.f('ix_enrolment_person_id'), 'enrolment', ['person_id'], unique=False)
    op.create_index(op.f('ix_enrolment_programme_id'), 'enrolment', ['programme_id'], unique=False)
    op.create_table('goal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('pair_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(), nullable=False),
    sa.Column('progress_signal', sa.String(), nullable=False),
    sa.Column('target_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('mentor_comment', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goal'))
    )
    op.create_index(op.f('ix_goal_pair_id'), 'goal', ['pair_id'], unique=False)
    op.create_table('goal_rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('context', sa.String(), nullable=False),
    sa.Column('rated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goal_rating'))
    )
    op.create_index(op.f('ix_goal_rating_goal_id'), 'goal_rating', ['goal_id'], unique=False)
    op.create_table('meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('pair_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('place', sa.String(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('booked_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('is_first', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting'))
    )
    op.create_index(op.f('ix_meeting_pair_id'), 'meeting', ['pair_id'], unique=False)
    op.create_index(op.f('ix_meeting_starts_at'), 'meeting', ['starts_at'], unique=False)
    op.create_table('outbox_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('pair_id', sa.Integer(), nullable=True),
    sa.Column('programme_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('platform_message_id', sa.String(), nullable=True),
    sa.Column('error', sa.String(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_item')),
    sa.UniqueConstraint('key', name=op.f('uq_outbox_item_key'))
    )
    op.create_index(op.f('ix_outbox_item_pair_id'), 'outbox_item', ['pair_id'], unique=False)
    op.create_index(op.f('ix_outbox_item_person_id'), 'outbox_item', ['person_id'], unique=False)
    op.create_index(op.f('ix_outbox_item_programme_id'), 'outbox_item', ['programme_id'], unique=False)
    op.create_index(op.f('ix_outbox_item_status_due_at'), 'outbox_item', ['status', 'due_at'], unique=False)
    op.create_table('pair',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('adept_id', sa.Integer(), nullable=False),
    sa.Column('phase', sa.Enum('intro', 'goals', 'agreement', 'active', 'closing', 'completed', 'ended_early', name='phase', native_enum=False, length=32), nullable=False),
    sa.Column('phase_since', sa.DateTime(timezone=True), nullable=False),
    sa.Column('introduced_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('midpoint_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('paused_until', sa.Date(), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(), nullable=True),
    sa.Column('end_note', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pair'))
    )
    op.create_index(op.f('ix_pair_adept_id'), 'pair', ['adept_id'], unique=False)
    op.create_index(op.f('ix_pair_mentor_id'), 'pair', ['mentor_id'], unique=False)
    op.create_index(op.f('ix_pair_programme_id'), 'pair', ['programme_id'], unique=False)
    op.create_table('person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('platform', sa.String(), nullable=False),
    sa.Column('workspace', sa.String(), nullable=False),
    sa.Column('platform_user_id', sa.String(), nullable=False),
    sa.Column('display_name', sa.String(), nullable=False),
    sa.Column('locale', sa.String(), nullable=False),
    sa.Column('timezone', sa.String(), nullable=False),
    sa.Column('country', sa.String(), nullable=False),
    sa.Column('reflection_weekday', sa.Integer(), nullable=False),
    sa.Column('reflection_time', sa.Time(), nullable=False),
    sa.Column('work_start', sa.Time(), nullable=False),
    sa.Column('work_end', sa.Time(), nullable=False),
    sa.Column('work_days', sa.JSON(), nullable=False),
    sa.Column('paused_until', sa.Date(), nullable=True),
    sa.Column('is_coordinator', sa.Boolean(), nullable=False),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person')),
    sa.UniqueConstraint('platform', 'workspace', 'platform_user_id', name=op.f('uq_person_platform_workspace_platform_user_id'))
    )
    op.create_table('preparation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('pair_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('challenge', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_preparation'))
    )
    op.create_index(op.f('ix_preparation_author_id'), 'preparation', ['author_id'], unique=False)
    op.create_index(op.f('ix_preparation_meeting_id'), 'preparation', ['meeting_id'], unique=False)
    op.create_index(op.f('ix_preparation_pair_id'), 'preparation', ['pair_id'], unique=False)
    op.create_table('programme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('purposes', sa.JSON(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('cadence_days', sa.Integer(), nullable=False),
    sa.Column('meeting_minutes', sa.Integer(), nullable=False),
    sa.Column('template', sa.String(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme'))
    )
    op.create_table('receipt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receipt')),
    sa.UniqueConstraint('key', name=op.f('uq_receipt_key'))
    )
    op.create_index(op.f('ix_receipt_created_at'), 'receipt', ['created_at'], unique=False)
    op.create_table('reflection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('prompt_key', sa.String(), nullable=False),
    sa.Column('text', sa.String(), nullable=False),
    sa.Column('week', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reflection'))
    )
    op.create_index(op.f('ix_reflection_person_id'), 'reflection', ['person_id'], unique=False)
    op.create_table('review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('pair_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review'))
    )
    op.create_index(op.f('ix_review_pair_id'), 'review', ['pair_id'], unique=False)
    op.create_index(op.f('ix_review_person_id'), 'review', ['person_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_review_person_id'), table_name='review')
    op.drop_index(op.f('ix_review_pair_id'), table_name='review')
    op.drop_table('review')
    op.drop_index(op.f('ix_reflection_person_id'), table_name='reflection')
    op.drop_table('reflection')
    op.drop_index(op.f('ix_receipt_created_at'), table_name='receipt')
    op.drop_table('receipt')
    op.drop_table('programme')
    op.drop_index(op.f('ix_preparation_pair_id'), table_name='preparation')
    op.drop_index(op.f('ix_preparation_meeting_id'), table_name='preparation')
    op.drop_index(op.f('ix_preparation_author_id'), table_name='preparation')
    op.drop_table('preparation')
    op.drop_table('person')
    op.drop_index(op.f('ix_pair_programme_id'), table_name='pair')
    op.drop_index(op.f('ix_pair_mentor_id'), table_name='pair')
    op.drop_index(op.f('ix_pair_adept_id'), table_name='pair')
    op.drop_table('pair')
    op.drop_index(op.f('ix_outbox_item_status_due_at'), table_name='outbox_item')
    op.drop_index(op.f('ix_outbox_item_programme_id'), table_name='outbox_item')
    op.drop_index(op.f('ix_outbox_item_person_id'), table_name='outbox_item')
    op.drop_index(op.f('ix_outbox_item_pair_id'), table_name='outbox_item')
    op.drop_table('outbox_item')
    op.drop_index(op.f('ix_meeting_starts_at'), table_name='meeting')
    op.drop_index(op.f('ix_meeting_pair_id'), table_name='meeting')
    op.drop_table('meeting')
    op.drop_index(op.f('ix_goal_rating_goal_id'), table_name='goal_rating')
    op.drop_table('goal_rating')
    op.drop_index(op.f('ix_goal_pair_id'), table_name='goal')
    op.drop_table('goal')
    op.drop_index(op.f('ix_enrolment_programme_id'), table_name='enrolment')
    op.drop_index(op.f('ix_enrolment_person_id'), table_name='enrolment')
    op.drop_table('enrolment')
    op.drop_index(op.f('ix_conversation_state_person_id'), table_name='conversation_state')
    op.drop_table('conversation_state')
    op.drop_index(op.f('ix_check_in_pair_id'), table_name='check_in')
    op.drop_index(op.f('ix_check_in_meeting_id'), table_name='check_in')
    op.drop_index(op.f('ix_check_in_author_id'), table_name='check_in')
    op.drop_table('check_in')
    op.drop_index(op.f('ix_audit_entry_at'), table_name='audit_entry')
    op.drop_index(op.f('ix_audit_entry_actor_id'), table_name='audit_entry')
    op.drop_table('audit_entry')
    op.drop_index(op.f('ix_agreement_pair_id'), table_name='agreement')
    op.drop_table('agreement')
