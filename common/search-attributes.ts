import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// The custom search attributes ibfleet sets. The dev-server script, the test fixture and the
// docker-compose setup register exactly these (a test checks the compose file against this list).
export const IbHost = defineSearchAttributeKey('IbHost', SearchAttributeType.KEYWORD);
export const IbCluster = defineSearchAttributeKey('IbCluster', SearchAttributeType.KEYWORD);
export const IbProcedure = defineSearchAttributeKey('IbProcedure', SearchAttributeType.KEYWORD);
export const IbRolloutId = defineSearchAttributeKey('IbRolloutId', SearchAttributeType.KEYWORD);
export const IbPhase = defineSearchAttributeKey('IbPhase', SearchAttributeType.KEYWORD);

export const ibSearchAttributes = [IbHost, IbCluster, IbProcedure, IbRolloutId, IbPhase];
