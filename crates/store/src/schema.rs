//! The one Diesel schema, shared by both backends; it mirrors `migrations/{sqlite,postgres}`.
//! Amount columns are BIGINT micro-units; enumerations are TEXT in their CMS spelling.

diesel::table! {
    facilities (id) {
        id -> BigInt,
        facility_key -> Text,
        hospital_name -> Text,
        license_state -> Nullable<Text>,
        license_number -> Nullable<Text>,
        ccn -> Nullable<Text>,
        ein -> Nullable<Text>,
        current_source_file_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    source_files (id) {
        id -> BigInt,
        facility_id -> BigInt,
        file_name -> Text,
        sha256 -> Text,
        format -> Text,
        template_version -> Text,
        declared_version -> Nullable<Text>,
        last_updated_on -> Nullable<Date>,
        attestation_text -> Nullable<Text>,
        attestation_confirmed -> Nullable<Bool>,
        attester_name -> Nullable<Text>,
        imported_at -> Timestamp,
        hospital_name -> Text,
        license_state -> Nullable<Text>,
        license_number -> Nullable<Text>,
        financial_aid_policy -> Nullable<Text>,
        rows_read -> BigInt,
        items_count -> BigInt,
        standard_charges_count -> BigInt,
        payer_rates_count -> BigInt,
        modifiers_count -> BigInt,
        quarantined_count -> BigInt,
        duplicate_rows -> BigInt,
        error_count -> BigInt,
        alert_count -> BigInt,
        status -> Text,
        rejection_reason -> Nullable<Text>,
        next_step -> Nullable<Text>,
        raw_header -> Nullable<Text>,
        legacy_profile -> Nullable<Text>,
        skipped_rows -> BigInt,
        charge_items_count -> BigInt,
    }
}

diesel::table! {
    /// `source_files` as the choice of snapshots reads it: its generated `effective_on` (never
    /// written) would be the 33rd column of `source_files`, past Diesel's default 32.
    #[sql_name = "source_files"]
    file_dates (id) {
        id -> BigInt,
        facility_id -> BigInt,
        status -> Text,
        /// `last_updated_on`, or the day of `imported_at`.
        effective_on -> Date,
    }
}

diesel::table! {
    file_locations (source_file_id, position) {
        source_file_id -> BigInt,
        position -> Integer,
        name -> Nullable<Text>,
        address -> Nullable<Text>,
        /// Read from `address` (`queries::place`).
        city -> Nullable<Text>,
        state -> Nullable<Text>,
        zip -> Nullable<Text>,
    }
}

diesel::table! {
    file_npis (source_file_id, position) {
        source_file_id -> BigInt,
        position -> Integer,
        npi -> Text,
    }
}

diesel::table! {
    file_contract_provisions (source_file_id, position) {
        source_file_id -> BigInt,
        position -> Integer,
        payer_name -> Nullable<Text>,
        plan_name -> Nullable<Text>,
        provisions -> Text,
    }
}

diesel::table! {
    items (id) {
        id -> BigInt,
        source_file_id -> BigInt,
        description -> Text,
        drug_unit -> Nullable<BigInt>,
        drug_unit_type -> Nullable<Text>,
        /// The item's codes in file order, a JSON array of `{"type", "code"}` (`codec::encode_codes`).
        codes -> Text,
    }
}

diesel::table! {
    /// Codes for lookups, keyed by (code_type, code, facility_id, item_id, position): the primary key
    /// named here is Diesel's handle, not the database's key.
    item_codes (item_id, position) {
        item_id -> BigInt,
        position -> Integer,
        code_type -> Text,
        code -> Text,
        source_file_id -> BigInt,
        facility_id -> BigInt,
        charge_items -> Integer,
        charge_items_any_type -> Integer,
    }
}

diesel::table! {
    standard_charges (id) {
        id -> BigInt,
        item_id -> BigInt,
        source_file_id -> BigInt,
        setting -> Text,
        billing_class -> Nullable<Text>,
        modifiers -> Nullable<Text>,
        gross -> Nullable<BigInt>,
        discounted_cash -> Nullable<BigInt>,
        minimum -> Nullable<BigInt>,
        maximum -> Nullable<BigInt>,
        generic_notes -> Nullable<Text>,
        source_location -> Text,
        raw_values -> Nullable<Text>,
        /// The charge's rates are the ids `first_rate_id..=last_rate_id` (none when last < first).
        first_rate_id -> BigInt,
        last_rate_id -> BigInt,
    }
}

diesel::table! {
    payer_rates (id) {
        id -> BigInt,
        standard_charge_id -> BigInt,
        source_file_id -> BigInt,
        payer_plan_id -> BigInt,
        negotiated_dollar -> Nullable<BigInt>,
        negotiated_percentage -> Nullable<BigInt>,
        negotiated_algorithm -> Nullable<Text>,
        methodology -> Nullable<Text>,
        median_amount -> Nullable<BigInt>,
        percentile_10th -> Nullable<BigInt>,
        percentile_90th -> Nullable<BigInt>,
        allowed_count -> Nullable<Text>,
        estimated_amount -> Nullable<BigInt>,
        payer_notes -> Nullable<Text>,
        source_location -> Text,
        raw_values -> Nullable<Text>,
    }
}

diesel::table! {
    payer_plans (id) {
        id -> BigInt,
        payer_name -> Text,
        plan_name -> Text,
    }
}

diesel::table! {
    /// How many rates of each payer plan a file holds, written once at import.
    file_payer_plans (source_file_id, payer_plan_id) {
        source_file_id -> BigInt,
        payer_plan_id -> BigInt,
        rates -> BigInt,
    }
}

diesel::table! {
    /// The statistics read model's groups (see snapshot::statistics).
    code_statistics_groups (id) {
        id -> BigInt,
        code_type -> Text,
        code -> Text,
        split -> Integer,
        split_value -> Text,
        setting -> Text,
        methodology -> Text,
        facilities -> BigInt,
        charges -> BigInt,
        rates -> BigInt,
    }
}

diesel::table! {
    /// How many lines of each statistics group state each amount, per kind (1 gross, 2 cash, 3 dollar).
    code_statistics_amounts (group_id, kind, amount) {
        group_id -> BigInt,
        kind -> Integer,
        amount -> BigInt,
        lines -> BigInt,
    }
}

diesel::table! {
    /// Each statistics group's count and nearest-rank figures per kind of amount.
    code_statistics_summaries (group_id, kind) {
        group_id -> BigInt,
        kind -> Integer,
        lines -> BigInt,
        minimum -> BigInt,
        p10 -> BigInt,
        p25 -> BigInt,
        median -> BigInt,
        p75 -> BigInt,
        p90 -> BigInt,
        maximum -> BigInt,
    }
}

diesel::table! {
    /// Within a refresh: the groups whose amounts it changed, whose summaries it recomputes.
    code_statistics_dirty_groups (group_id) {
        group_id -> BigInt,
    }
}

diesel::table! {
    /// Snapshots an import made current (sign 1) or replaced (sign -1), not yet in the model.
    code_statistics_pending (id) {
        id -> BigInt,
        source_file_id -> BigInt,
        sign -> Integer,
    }
}

diesel::table! {
    /// The compare read model: per file, code, setting and kind of charge, the lowest and highest
    /// amount (none for an algorithm) and how many lines state it.
    file_code_prices (code_type, code, source_file_id, setting, kind) {
        code_type -> Text,
        code -> Text,
        source_file_id -> BigInt,
        setting -> Text,
        kind -> Text,
        lowest -> Nullable<BigInt>,
        highest -> Nullable<BigInt>,
        lines -> BigInt,
    }
}

diesel::table! {
    /// The amount-order read model: every amount of every line of a national code, per file in the
    /// order a search sorted by amount reads them (`kind`: see `snapshot::line_amounts`);
    /// `payer_rate_id` is 0 for a charge's own amount.
    code_line_amounts (source_file_id, code_type, code, kind, amount, standard_charge_id, payer_rate_id) {
        source_file_id -> BigInt,
        code_type -> Text,
        code -> Text,
        kind -> Integer,
        amount -> BigInt,
        standard_charge_id -> BigInt,
        payer_rate_id -> BigInt,
    }
}

diesel::table! {
    import_lock (id) {
        id -> Integer,
        locked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    findings (source_file_id, position) {
        source_file_id -> BigInt,
        position -> Integer,
        severity -> Text,
        rule -> Text,
        location -> Text,
        message -> Text,
    }
}

diesel::table! {
    quarantined_records (source_file_id, position) {
        source_file_id -> BigInt,
        position -> Integer,
        location -> Text,
        raw -> Text,
        findings -> Text,
    }
}

diesel::table! {
    modifiers (id) {
        id -> BigInt,
        source_file_id -> BigInt,
        code -> Text,
        description -> Text,
        setting -> Nullable<Text>,
        notes -> Nullable<Text>,
    }
}

diesel::table! {
    modifier_payer_info (modifier_id, position) {
        modifier_id -> BigInt,
        position -> Integer,
        payer_name -> Text,
        plan_name -> Nullable<Text>,
        description -> Nullable<Text>,
        negotiated_dollar -> Nullable<BigInt>,
        negotiated_percentage -> Nullable<BigInt>,
        negotiated_algorithm -> Nullable<Text>,
    }
}

diesel::table! {
    import_jobs (id) {
        id -> Text,
        state -> Text,
        source -> Text,
        file_name -> Text,
        url -> Nullable<Text>,
        upload_path -> Nullable<Text>,
        bytes_total -> Nullable<BigInt>,
        bytes_read -> BigInt,
        items -> BigInt,
        payer_rates -> BigInt,
        report -> Nullable<Text>,
        failure -> Nullable<Text>,
        created_at -> Timestamp,
        started_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
        instance -> Nullable<Text>,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Text,
        name -> Text,
        prefix -> Text,
        secret_hash -> Text,
        scopes -> Text,
        tier -> Nullable<Text>,
        expires_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        successor_id -> Nullable<Text>,
        grace_ends_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        recorded_at -> Timestamp,
        caller -> Nullable<Text>,
        scopes -> Text,
        method -> Text,
        route -> Nullable<Text>,
        path -> Text,
        status -> Integer,
        result_count -> Nullable<BigInt>,
        request_id -> Nullable<Text>,
        client_address -> Nullable<Text>,
    }
}

diesel::joinable!(source_files -> facilities (facility_id));
diesel::joinable!(file_locations -> source_files (source_file_id));
diesel::joinable!(file_npis -> source_files (source_file_id));
diesel::joinable!(file_contract_provisions -> source_files (source_file_id));
diesel::joinable!(items -> source_files (source_file_id));
diesel::joinable!(item_codes -> items (item_id));
diesel::joinable!(standard_charges -> items (item_id));
// No `joinable!(payer_rates -> standard_charges)`: a charge reaches its rates by id range
// (`first_rate_id..=last_rate_id`); the column has no index.
diesel::joinable!(payer_rates -> payer_plans (payer_plan_id));
diesel::joinable!(file_payer_plans -> payer_plans (payer_plan_id));
diesel::joinable!(findings -> source_files (source_file_id));
diesel::joinable!(quarantined_records -> source_files (source_file_id));
diesel::joinable!(modifiers -> source_files (source_file_id));
diesel::joinable!(modifier_payer_info -> modifiers (modifier_id));

diesel::allow_tables_to_appear_in_same_query!(
    facilities,
    source_files,
    file_dates,
    file_locations,
    file_npis,
    file_contract_provisions,
    items,
    item_codes,
    standard_charges,
    payer_rates,
    payer_plans,
    file_payer_plans,
    file_code_prices,
    code_line_amounts,
    code_statistics_groups,
    code_statistics_summaries,
    code_statistics_pending,
    code_statistics_dirty_groups,
    import_lock,
    findings,
    quarantined_records,
    modifiers,
    modifier_payer_info,
);

// A comparison ranks each file's figures with its facility (`queries::compare`).
diesel::allow_columns_to_appear_in_same_group_by_clause!(
    source_files::facility_id,
    file_code_prices::source_file_id,
);
