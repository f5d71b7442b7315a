/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** Conditions on a checkbox field. */
export type BooleanFilter = {
  /** Equal to. */
  eq?: boolean | null | undefined;
};

/** What happened to a record. */
export type ChangeOperation =
  | 'CREATED'
  | 'DELETED'
  | 'UPDATED';

/** Conditions on a date field (`YYYY-MM-DD`). */
export type DateFilter = {
  /** Between two values, both included: `[from, to]`. */
  between?: Array<string> | null | undefined;
  /** Equal to. */
  eq?: string | null | undefined;
  /** Greater than. */
  gt?: string | null | undefined;
  /** Greater than or equal to. */
  gte?: string | null | undefined;
  /** One of these (at most 50). */
  in?: Array<string> | null | undefined;
  /** `true`: has no value; `false`: has a value. */
  isNull?: boolean | null | undefined;
  /** Less than. */
  lt?: string | null | undefined;
  /** Less than or equal to. */
  lte?: string | null | undefined;
  /** Not equal to (records without a value do not match). */
  ne?: string | null | undefined;
  /** None of these (at most 50). */
  notIn?: Array<string> | null | undefined;
};

/** Conditions on a date-time field (RFC 3339, with offset). */
export type DateTimeFilter = {
  /** Between two values, both included: `[from, to]`. */
  between?: Array<string> | null | undefined;
  /** Equal to. */
  eq?: string | null | undefined;
  /** Greater than. */
  gt?: string | null | undefined;
  /** Greater than or equal to. */
  gte?: string | null | undefined;
  /** One of these (at most 50). */
  in?: Array<string> | null | undefined;
  /** `true`: has no value; `false`: has a value. */
  isNull?: boolean | null | undefined;
  /** Less than. */
  lt?: string | null | undefined;
  /** Less than or equal to. */
  lte?: string | null | undefined;
  /** Not equal to (records without a value do not match). */
  ne?: string | null | undefined;
  /** None of these (at most 50). */
  notIn?: Array<string> | null | undefined;
};

/** Conditions on a decimal, currency or percent field. */
export type FloatFilter = {
  /** Between two values, both included: `[from, to]`. */
  between?: Array<number> | null | undefined;
  /** Equal to. */
  eq?: number | null | undefined;
  /** Greater than. */
  gt?: number | null | undefined;
  /** Greater than or equal to. */
  gte?: number | null | undefined;
  /** One of these (at most 50). */
  in?: Array<number> | null | undefined;
  /** `true`: has no value; `false`: has a value. */
  isNull?: boolean | null | undefined;
  /** Less than. */
  lt?: number | null | undefined;
  /** Less than or equal to. */
  lte?: number | null | undefined;
  /** Not equal to (records without a value do not match). */
  ne?: number | null | undefined;
  /** None of these (at most 50). */
  notIn?: Array<number> | null | undefined;
};

/** Conditions on a user or lookup field, by the id of the user or record. */
export type IdFilter = {
  /** Equal to. */
  eq?: string | number | null | undefined;
  /** One of these (at most 50). */
  in?: Array<string | number> | null | undefined;
  /** `true`: has no value; `false`: has a value. */
  isNull?: boolean | null | undefined;
  /** Not equal to (records without a value do not match). */
  ne?: string | number | null | undefined;
  /** None of these (at most 50). */
  notIn?: Array<string | number> | null | undefined;
};

/** A new Lead: every required field, each checked against the org's metadata. */
export type LeadInput = {
  /** Batch (Zoho: `Batch`, picklist) */
  batch?: string | null | undefined;
  /** City (Zoho: `City`, text); at most 100 characters */
  city?: string | null | undefined;
  /** College (Zoho: `Company`, text); at most 200 characters */
  company?: string | null | undefined;
  /** Country (Zoho: `Country`, text); at most 100 characters */
  country?: string | null | undefined;
  /** Course (Zoho: `Course`, picklist) */
  course?: string | null | undefined;
  /** Description (Zoho: `Description`, textarea); at most 32000 characters */
  description?: string | null | undefined;
  /** Email (Zoho: `Email`, email); at most 100 characters */
  email?: string | null | undefined;
  /** Email Opt Out (Zoho: `Email_Opt_Out`, boolean) */
  emailOptOut?: boolean | null | undefined;
  /** First Name (Zoho: `First_Name`, text); at most 40 characters */
  firstName?: string | null | undefined;
  /** Languages (Zoho: `Languages`, multiselectpicklist) */
  languages?: Array<string> | null | undefined;
  /** Last Name (Zoho: `Last_Name`, text); required; at most 80 characters */
  lastName?: string | null | undefined;
  /** Lead Source (Zoho: `Lead_Source`, picklist) */
  leadSource?: string | null | undefined;
  /** Lead Status (Zoho: `Lead_Status`, picklist) */
  leadStatus?: string | null | undefined;
  /** Mobile (Zoho: `Mobile`, phone); at most 30 characters */
  mobile?: string | null | undefined;
  /** Lead Owner (Zoho: `Owner`, ownerlookup) */
  ownerId?: string | number | null | undefined;
  /** Phone (Zoho: `Phone`, phone); at most 30 characters */
  phone?: string | null | undefined;
  /** Preferred Start Date (Zoho: `Preferred_Start_Date`, date) */
  preferredStartDate?: string | null | undefined;
  /** Quoted Fee (Zoho: `Quoted_Fee`, currency) */
  quotedFee?: number | null | undefined;
  /** Scholarship (Zoho: `Scholarship`, boolean) */
  scholarship?: boolean | null | undefined;
};

/** One ordering key; the first key of `orderBy` orders first. */
export type LeadOrder = {
  direction?: SortOrder;
  field: LeadOrderField;
};

/** Fields Leads can be ordered by. */
export type LeadOrderField =
  /** Batch (Zoho: `Batch`) */
  | 'BATCH'
  /** City (Zoho: `City`) */
  | 'CITY'
  /** College (Zoho: `Company`) */
  | 'COMPANY'
  /** Country (Zoho: `Country`) */
  | 'COUNTRY'
  /** Course (Zoho: `Course`) */
  | 'COURSE'
  /** Created Time (Zoho: `Created_Time`) */
  | 'CREATED_TIME'
  /** Email (Zoho: `Email`) */
  | 'EMAIL'
  /** Email Opt Out (Zoho: `Email_Opt_Out`) */
  | 'EMAIL_OPT_OUT'
  /** First Name (Zoho: `First_Name`) */
  | 'FIRST_NAME'
  /** Full Name (Zoho: `Full_Name`) */
  | 'FULL_NAME'
  /** Last Name (Zoho: `Last_Name`) */
  | 'LAST_NAME'
  /** Lead Source (Zoho: `Lead_Source`) */
  | 'LEAD_SOURCE'
  /** Lead Status (Zoho: `Lead_Status`) */
  | 'LEAD_STATUS'
  /** Mobile (Zoho: `Mobile`) */
  | 'MOBILE'
  /** Modified Time (Zoho: `Modified_Time`) */
  | 'MODIFIED_TIME'
  /** Phone (Zoho: `Phone`) */
  | 'PHONE'
  /** Preferred Start Date (Zoho: `Preferred_Start_Date`) */
  | 'PREFERRED_START_DATE'
  /** Quoted Fee (Zoho: `Quoted_Fee`) */
  | 'QUOTED_FEE'
  /** Scholarship (Zoho: `Scholarship`) */
  | 'SCHOLARSHIP';

/** Changes to a record: an absent field stays as it is, `null` clears it (not a required one). */
export type LeadPatch = {
  /** Batch (Zoho: `Batch`, picklist) */
  batch?: string | null | undefined;
  /** City (Zoho: `City`, text); at most 100 characters */
  city?: string | null | undefined;
  /** College (Zoho: `Company`, text); at most 200 characters */
  company?: string | null | undefined;
  /** Country (Zoho: `Country`, text); at most 100 characters */
  country?: string | null | undefined;
  /** Course (Zoho: `Course`, picklist) */
  course?: string | null | undefined;
  /** Description (Zoho: `Description`, textarea); at most 32000 characters */
  description?: string | null | undefined;
  /** Email (Zoho: `Email`, email); at most 100 characters */
  email?: string | null | undefined;
  /** Email Opt Out (Zoho: `Email_Opt_Out`, boolean) */
  emailOptOut?: boolean | null | undefined;
  /** First Name (Zoho: `First_Name`, text); at most 40 characters */
  firstName?: string | null | undefined;
  /** Languages (Zoho: `Languages`, multiselectpicklist) */
  languages?: Array<string> | null | undefined;
  /** Last Name (Zoho: `Last_Name`, text); required; at most 80 characters */
  lastName?: string | null | undefined;
  /** Lead Source (Zoho: `Lead_Source`, picklist) */
  leadSource?: string | null | undefined;
  /** Lead Status (Zoho: `Lead_Status`, picklist) */
  leadStatus?: string | null | undefined;
  /** Mobile (Zoho: `Mobile`, phone); at most 30 characters */
  mobile?: string | null | undefined;
  /** Lead Owner (Zoho: `Owner`, ownerlookup) */
  ownerId?: string | number | null | undefined;
  /** Phone (Zoho: `Phone`, phone); at most 30 characters */
  phone?: string | null | undefined;
  /** Preferred Start Date (Zoho: `Preferred_Start_Date`, date) */
  preferredStartDate?: string | null | undefined;
  /** Quoted Fee (Zoho: `Quoted_Fee`, currency) */
  quotedFee?: number | null | undefined;
  /** Scholarship (Zoho: `Scholarship`, boolean) */
  scholarship?: boolean | null | undefined;
};

/** What Zoho can sort a list by (zoho-api.md §2.2). */
export type LeadSort =
  | 'CREATED_TIME'
  | 'ID'
  | 'MODIFIED_TIME';

/** Which Leads to list: every field given must match; `and` and `or` combine nested filters. At most 25 conditions in all. */
export type LeadWhere = {
  /** All of these. */
  and?: Array<LeadWhere> | null | undefined;
  /** Batch (Zoho: `Batch`, picklist) */
  batch?: StringFilter | null | undefined;
  /** City (Zoho: `City`, text) */
  city?: StringFilter | null | undefined;
  /** College (Zoho: `Company`, text) */
  company?: StringFilter | null | undefined;
  /** Country (Zoho: `Country`, text) */
  country?: StringFilter | null | undefined;
  /** Course (Zoho: `Course`, picklist) */
  course?: StringFilter | null | undefined;
  /** Created By (Zoho: `Created_By`, ownerlookup) */
  createdBy?: IdFilter | null | undefined;
  /** Created Time (Zoho: `Created_Time`, datetime) */
  createdTime?: DateTimeFilter | null | undefined;
  /** Description (Zoho: `Description`, textarea) */
  description?: StringFilter | null | undefined;
  /** Email (Zoho: `Email`, email) */
  email?: StringFilter | null | undefined;
  /** Email Opt Out (Zoho: `Email_Opt_Out`, boolean) */
  emailOptOut?: BooleanFilter | null | undefined;
  /** First Name (Zoho: `First_Name`, text) */
  firstName?: StringFilter | null | undefined;
  /** Full Name (Zoho: `Full_Name`, text) */
  fullName?: StringFilter | null | undefined;
  /** Languages (Zoho: `Languages`, multiselectpicklist) */
  languages?: MultiSelectFilter | null | undefined;
  /** Last Name (Zoho: `Last_Name`, text) */
  lastName?: StringFilter | null | undefined;
  /** Lead Source (Zoho: `Lead_Source`, picklist) */
  leadSource?: StringFilter | null | undefined;
  /** Lead Status (Zoho: `Lead_Status`, picklist) */
  leadStatus?: StringFilter | null | undefined;
  /** Mobile (Zoho: `Mobile`, phone) */
  mobile?: StringFilter | null | undefined;
  /** Modified By (Zoho: `Modified_By`, ownerlookup) */
  modifiedBy?: IdFilter | null | undefined;
  /** Modified Time (Zoho: `Modified_Time`, datetime) */
  modifiedTime?: DateTimeFilter | null | undefined;
  /** At least one of these. */
  or?: Array<LeadWhere> | null | undefined;
  /** Lead Owner (Zoho: `Owner`, ownerlookup) */
  owner?: IdFilter | null | undefined;
  /** Phone (Zoho: `Phone`, phone) */
  phone?: StringFilter | null | undefined;
  /** Preferred Start Date (Zoho: `Preferred_Start_Date`, date) */
  preferredStartDate?: DateFilter | null | undefined;
  /** Quoted Fee (Zoho: `Quoted_Fee`, currency) */
  quotedFee?: FloatFilter | null | undefined;
  /** Scholarship (Zoho: `Scholarship`, boolean) */
  scholarship?: BooleanFilter | null | undefined;
};

/** Conditions on a multi-select picklist. */
export type MultiSelectFilter = {
  /** The selection includes this option. */
  contains?: string | null | undefined;
  /** The selection includes one of these options (at most 50). */
  containsAny?: Array<string> | null | undefined;
  /** `true`: has no value; `false`: has a value. */
  isNull?: boolean | null | undefined;
};

export type SortOrder =
  | 'ASC'
  | 'DESC';

/** Conditions on a text field (text, email, phone, website, picklist, …). Zoho compares text without regard to case. `startsWith`, `endsWith` and `contains` take text without `%` or `_`. */
export type StringFilter = {
  /** Contains this text. */
  contains?: string | null | undefined;
  /** Ends with this text. */
  endsWith?: string | null | undefined;
  /** Equal to. */
  eq?: string | null | undefined;
  /** One of these (at most 50). */
  in?: Array<string> | null | undefined;
  /** `true`: has no value; `false`: has a value. */
  isNull?: boolean | null | undefined;
  /** Not equal to (records without a value do not match). */
  ne?: string | null | undefined;
  /** None of these (at most 50). */
  notIn?: Array<string> | null | undefined;
  /** Starts with this text. */
  startsWith?: string | null | undefined;
};

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { expiresAt: string, user: { id: string, name: string, email: string | null }, org: { id: string, name: string, dataCenter: string } } | null };

export type LoginMutationVariables = Exact<{
  redirectUrl: string;
}>;


export type LoginMutation = { login: { url: string, state: string } };

export type InitializeMutationVariables = Exact<{
  code: string;
  state: string;
  redirectUrl: string;
  location?: string | null | undefined;
  accountsServer?: string | null | undefined;
}>;


export type InitializeMutation = { initialize: { expiresAt: string, user: { id: string, name: string, email: string | null }, org: { id: string, name: string, dataCenter: string } } };

export type LogoutMutationVariables = Exact<{ [key: string]: never; }>;


export type LogoutMutation = { logout: boolean };

export type StudentsQueryVariables = Exact<{
  page: number;
  perPage: number;
  sortBy: LeadSort;
  sortOrder: SortOrder;
  where?: LeadWhere | null | undefined;
  orderBy?: Array<LeadOrder> | LeadOrder | null | undefined;
}>;


export type StudentsQuery = { leads: { nodes: Array<{ id: string, firstName: string | null, lastName: string | null, fullName: string | null, email: string | null, phone: string | null, company: string | null, course: string | null, leadStatus: string | null, modifiedTime: string | null, owner: { id: string, name: string } | null }>, pageInfo: { page: number, perPage: number, count: number, hasMore: boolean, totalCount: number | null } } };

export type StudentQueryVariables = Exact<{
  id: string | number;
}>;


export type StudentQuery = { lead: { id: string, firstName: string | null, lastName: string | null, fullName: string | null, email: string | null, phone: string | null, company: string | null, course: string | null, leadStatus: string | null, modifiedTime: string | null, owner: { id: string, name: string } | null } | null };

export type CreateStudentMutationVariables = Exact<{
  input: LeadInput;
}>;


export type CreateStudentMutation = { createLead: { id: string, firstName: string | null, lastName: string | null, fullName: string | null, email: string | null, phone: string | null, company: string | null, course: string | null, leadStatus: string | null, modifiedTime: string | null, owner: { id: string, name: string } | null } };

export type UpdateStudentMutationVariables = Exact<{
  id: string | number;
  input: LeadPatch;
}>;


export type UpdateStudentMutation = { updateLead: { id: string, firstName: string | null, lastName: string | null, fullName: string | null, email: string | null, phone: string | null, company: string | null, course: string | null, leadStatus: string | null, modifiedTime: string | null, owner: { id: string, name: string } | null } };

export type DeleteStudentMutationVariables = Exact<{
  id: string | number;
}>;


export type DeleteStudentMutation = { deleteLead: string };

export type LeadChangedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type LeadChangedSubscription = { leadChanged: { operation: ChangeOperation, id: string, lead: { id: string, firstName: string | null, lastName: string | null, fullName: string | null, email: string | null, phone: string | null, company: string | null, course: string | null, leadStatus: string | null, modifiedTime: string | null, owner: { id: string, name: string } | null } | null } };

export type StudentModuleQueryVariables = Exact<{ [key: string]: never; }>;


export type StudentModuleQuery = { crmModule: { apiName: string, fields: Array<{ graphqlName: string, inputName: string, label: string, type: string, required: boolean, maxLength: number | null, pattern: string | null, patternMessage: string | null, options: Array<{ value: string, label: string }> }> } | null };

export type SessionFieldsFragment = { expiresAt: string, user: { id: string, name: string, email: string | null }, org: { id: string, name: string, dataCenter: string } };

export type PageFieldsFragment = { nodes: Array<{ id: string, firstName: string | null, lastName: string | null, fullName: string | null, email: string | null, phone: string | null, company: string | null, course: string | null, leadStatus: string | null, modifiedTime: string | null, owner: { id: string, name: string } | null }>, pageInfo: { page: number, perPage: number, count: number, hasMore: boolean, totalCount: number | null } };

export type StudentFieldsFragment = { id: string, firstName: string | null, lastName: string | null, fullName: string | null, email: string | null, phone: string | null, company: string | null, course: string | null, leadStatus: string | null, modifiedTime: string | null, owner: { id: string, name: string } | null };

export const SessionFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SessionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Session"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"email"}}]}},{"kind":"Field","name":{"kind":"Name","value":"org"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"dataCenter"}}]}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}}]}}]} as unknown as DocumentNode<SessionFieldsFragment, unknown>;
export const StudentFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"StudentFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Lead"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"firstName"}},{"kind":"Field","name":{"kind":"Name","value":"lastName"}},{"kind":"Field","name":{"kind":"Name","value":"fullName"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"phone"}},{"kind":"Field","name":{"kind":"Name","value":"company"}},{"kind":"Field","name":{"kind":"Name","value":"course"}},{"kind":"Field","name":{"kind":"Name","value":"leadStatus"}},{"kind":"Field","name":{"kind":"Name","value":"owner"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"modifiedTime"}}]}}]} as unknown as DocumentNode<StudentFieldsFragment, unknown>;
export const PageFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"PageFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"LeadPage"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"StudentFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"page"}},{"kind":"Field","name":{"kind":"Name","value":"perPage"}},{"kind":"Field","name":{"kind":"Name","value":"count"}},{"kind":"Field","name":{"kind":"Name","value":"hasMore"}},{"kind":"Field","name":{"kind":"Name","value":"totalCount"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"StudentFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Lead"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"firstName"}},{"kind":"Field","name":{"kind":"Name","value":"lastName"}},{"kind":"Field","name":{"kind":"Name","value":"fullName"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"phone"}},{"kind":"Field","name":{"kind":"Name","value":"company"}},{"kind":"Field","name":{"kind":"Name","value":"course"}},{"kind":"Field","name":{"kind":"Name","value":"leadStatus"}},{"kind":"Field","name":{"kind":"Name","value":"owner"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"modifiedTime"}}]}}]} as unknown as DocumentNode<PageFieldsFragment, unknown>;
export const MeDocument = {"__meta__":{"hash":"sha256:5246cd576cda8638f220b1fb01575b27600f94885292ecbff30affbbbe073c84"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Me"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"me"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"SessionFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SessionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Session"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"email"}}]}},{"kind":"Field","name":{"kind":"Name","value":"org"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"dataCenter"}}]}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}}]}}]} as unknown as DocumentNode<MeQuery, MeQueryVariables>;
export const LoginDocument = {"__meta__":{"hash":"sha256:075c2184f9db5061a088624b6126c2693c64c54d2efc056f373aab9c5bfba0e9"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"Login"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"redirectUrl"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"login"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"redirectUrl"},"value":{"kind":"Variable","name":{"kind":"Name","value":"redirectUrl"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"state"}}]}}]}}]} as unknown as DocumentNode<LoginMutation, LoginMutationVariables>;
export const InitializeDocument = {"__meta__":{"hash":"sha256:159e5ead8db4e263595a6d312ca4a00b8d9affdb882462efc01d4946b9d64829"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"Initialize"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"code"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"state"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"redirectUrl"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"location"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"accountsServer"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"initialize"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"code"},"value":{"kind":"Variable","name":{"kind":"Name","value":"code"}}},{"kind":"Argument","name":{"kind":"Name","value":"state"},"value":{"kind":"Variable","name":{"kind":"Name","value":"state"}}},{"kind":"Argument","name":{"kind":"Name","value":"redirectUrl"},"value":{"kind":"Variable","name":{"kind":"Name","value":"redirectUrl"}}},{"kind":"Argument","name":{"kind":"Name","value":"location"},"value":{"kind":"Variable","name":{"kind":"Name","value":"location"}}},{"kind":"Argument","name":{"kind":"Name","value":"accountsServer"},"value":{"kind":"Variable","name":{"kind":"Name","value":"accountsServer"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"SessionFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SessionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Session"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"email"}}]}},{"kind":"Field","name":{"kind":"Name","value":"org"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"dataCenter"}}]}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}}]}}]} as unknown as DocumentNode<InitializeMutation, InitializeMutationVariables>;
export const LogoutDocument = {"__meta__":{"hash":"sha256:cb1d14c1cc99a25294cfa4376de2402364cb32e6c038a11fb36cf0ebb3a5ce91"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"Logout"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"logout"}}]}}]} as unknown as DocumentNode<LogoutMutation, LogoutMutationVariables>;
export const StudentsDocument = {"__meta__":{"hash":"sha256:d71602a148924bfd7719d27fe7bccf87b7898afa6961a8d469f5851f9d39c08e"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Students"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"page"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"perPage"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"sortBy"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"LeadSort"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"sortOrder"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SortOrder"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"where"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"LeadWhere"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"orderBy"}},"type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"LeadOrder"}}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"leads"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"page"},"value":{"kind":"Variable","name":{"kind":"Name","value":"page"}}},{"kind":"Argument","name":{"kind":"Name","value":"perPage"},"value":{"kind":"Variable","name":{"kind":"Name","value":"perPage"}}},{"kind":"Argument","name":{"kind":"Name","value":"sortBy"},"value":{"kind":"Variable","name":{"kind":"Name","value":"sortBy"}}},{"kind":"Argument","name":{"kind":"Name","value":"sortOrder"},"value":{"kind":"Variable","name":{"kind":"Name","value":"sortOrder"}}},{"kind":"Argument","name":{"kind":"Name","value":"where"},"value":{"kind":"Variable","name":{"kind":"Name","value":"where"}}},{"kind":"Argument","name":{"kind":"Name","value":"orderBy"},"value":{"kind":"Variable","name":{"kind":"Name","value":"orderBy"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"PageFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"StudentFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Lead"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"firstName"}},{"kind":"Field","name":{"kind":"Name","value":"lastName"}},{"kind":"Field","name":{"kind":"Name","value":"fullName"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"phone"}},{"kind":"Field","name":{"kind":"Name","value":"company"}},{"kind":"Field","name":{"kind":"Name","value":"course"}},{"kind":"Field","name":{"kind":"Name","value":"leadStatus"}},{"kind":"Field","name":{"kind":"Name","value":"owner"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"modifiedTime"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"PageFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"LeadPage"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"StudentFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"page"}},{"kind":"Field","name":{"kind":"Name","value":"perPage"}},{"kind":"Field","name":{"kind":"Name","value":"count"}},{"kind":"Field","name":{"kind":"Name","value":"hasMore"}},{"kind":"Field","name":{"kind":"Name","value":"totalCount"}}]}}]}}]} as unknown as DocumentNode<StudentsQuery, StudentsQueryVariables>;
export const StudentDocument = {"__meta__":{"hash":"sha256:dca11de2bdf9408b5d146f91855eedc9d439366618715d3f063e193502da746c"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Student"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"lead"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"StudentFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"StudentFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Lead"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"firstName"}},{"kind":"Field","name":{"kind":"Name","value":"lastName"}},{"kind":"Field","name":{"kind":"Name","value":"fullName"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"phone"}},{"kind":"Field","name":{"kind":"Name","value":"company"}},{"kind":"Field","name":{"kind":"Name","value":"course"}},{"kind":"Field","name":{"kind":"Name","value":"leadStatus"}},{"kind":"Field","name":{"kind":"Name","value":"owner"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"modifiedTime"}}]}}]} as unknown as DocumentNode<StudentQuery, StudentQueryVariables>;
export const CreateStudentDocument = {"__meta__":{"hash":"sha256:4260d68c75aac2a37a01418a4837e64b54b0ccd2c3eb61875875e990581dc159"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateStudent"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"LeadInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createLead"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"StudentFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"StudentFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Lead"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"firstName"}},{"kind":"Field","name":{"kind":"Name","value":"lastName"}},{"kind":"Field","name":{"kind":"Name","value":"fullName"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"phone"}},{"kind":"Field","name":{"kind":"Name","value":"company"}},{"kind":"Field","name":{"kind":"Name","value":"course"}},{"kind":"Field","name":{"kind":"Name","value":"leadStatus"}},{"kind":"Field","name":{"kind":"Name","value":"owner"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"modifiedTime"}}]}}]} as unknown as DocumentNode<CreateStudentMutation, CreateStudentMutationVariables>;
export const UpdateStudentDocument = {"__meta__":{"hash":"sha256:be13315f0ebc86dc0269b705e2f31eb5c70d599738c3144c17b21d7372c8de0a"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"UpdateStudent"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"LeadPatch"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"updateLead"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}},{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"StudentFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"StudentFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Lead"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"firstName"}},{"kind":"Field","name":{"kind":"Name","value":"lastName"}},{"kind":"Field","name":{"kind":"Name","value":"fullName"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"phone"}},{"kind":"Field","name":{"kind":"Name","value":"company"}},{"kind":"Field","name":{"kind":"Name","value":"course"}},{"kind":"Field","name":{"kind":"Name","value":"leadStatus"}},{"kind":"Field","name":{"kind":"Name","value":"owner"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"modifiedTime"}}]}}]} as unknown as DocumentNode<UpdateStudentMutation, UpdateStudentMutationVariables>;
export const DeleteStudentDocument = {"__meta__":{"hash":"sha256:8bab57321e4b89d5f595e556f79b72bf6d0224189bb525b0fa1b64c0c3d829d1"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DeleteStudent"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deleteLead"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}]}]}}]} as unknown as DocumentNode<DeleteStudentMutation, DeleteStudentMutationVariables>;
export const LeadChangedDocument = {"__meta__":{"hash":"sha256:57af38ce6bf85bac5b884c68ce18c1ac417b2e524ef2e016e739e94ff787ce3d"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"LeadChanged"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"leadChanged"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"operation"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"lead"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"StudentFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"StudentFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Lead"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"firstName"}},{"kind":"Field","name":{"kind":"Name","value":"lastName"}},{"kind":"Field","name":{"kind":"Name","value":"fullName"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"phone"}},{"kind":"Field","name":{"kind":"Name","value":"company"}},{"kind":"Field","name":{"kind":"Name","value":"course"}},{"kind":"Field","name":{"kind":"Name","value":"leadStatus"}},{"kind":"Field","name":{"kind":"Name","value":"owner"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"modifiedTime"}}]}}]} as unknown as DocumentNode<LeadChangedSubscription, LeadChangedSubscriptionVariables>;
export const StudentModuleDocument = {"__meta__":{"hash":"sha256:360a7281c8098cd342d62c5d951ccca3f751d8c9a8d74917e0b195a56b0371d7"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"StudentModule"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"crmModule"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"apiName"},"value":{"kind":"StringValue","value":"Leads","block":false}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"apiName"}},{"kind":"Field","name":{"kind":"Name","value":"fields"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"graphqlName"}},{"kind":"Field","name":{"kind":"Name","value":"inputName"}},{"kind":"Field","name":{"kind":"Name","value":"label"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"required"}},{"kind":"Field","name":{"kind":"Name","value":"maxLength"}},{"kind":"Field","name":{"kind":"Name","value":"pattern"}},{"kind":"Field","name":{"kind":"Name","value":"patternMessage"}},{"kind":"Field","name":{"kind":"Name","value":"options"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"label"}}]}}]}}]}}]}}]} as unknown as DocumentNode<StudentModuleQuery, StudentModuleQueryVariables>;