// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.5.0;

/// @title MembershipFixed
/// @notice Sells club memberships for a fixed fee. Caller input is validated
///         with `require`, which reverts cleanly and refunds the remaining gas.
contract MembershipFixed {
    uint256 public constant FEE = 0.1 ether;
    address payable public owner;
    mapping(address => bool) public isMember;

    event Joined(address indexed member);

    constructor() public {
        owner = msg.sender;
    }

    function join() public payable {
        require(!isMember[msg.sender], "already a member");
        require(msg.value == FEE, "wrong fee");
        isMember[msg.sender] = true;
        emit Joined(msg.sender);
    }

    function collect() public {
        require(msg.sender == owner, "not owner");
        owner.transfer(address(this).balance);
    }
}
